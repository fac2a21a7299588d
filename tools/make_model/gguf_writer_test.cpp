// Writes a tiny llama-architecture GGUF and reads it back with a reader written here from the
// format's description, so a writer bug cannot hide behind a matching reader bug in one helper.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "llama_gguf.hpp"
#include "model_specs.hpp"

namespace {

struct Reader {
  std::vector<char> b;
  size_t p = 0;
  template <typename T> T get() {
    if (p + sizeof(T) > b.size()) throw std::runtime_error("read past the end");
    T v;
    std::memcpy(&v, b.data() + p, sizeof(T));
    p += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = get<uint64_t>();
    std::string s(b.data() + p, n);
    p += n;
    return s;
  }
};

struct Kv {
  uint32_t type = 0, arr_type = 0;
  uint64_t count = 0; // array length
  std::string s;      // string value, or first array string
  double num = 0;     // scalar numeric value
  std::vector<std::string> strs;
};

struct TensorInfo {
  std::vector<int64_t> dims; // innermost first
  uint32_t type;
  uint64_t offset;
};

double scalar(Reader &r, uint32_t t) {
  switch (t) {
  case 4: return r.get<uint32_t>();
  case 5: return r.get<int32_t>();
  case 6: return r.get<float>();
  default: throw std::runtime_error("unexpected value type " + std::to_string(t));
  }
}

} // namespace

TEST(GgufWriter, TinyLlamaModelReadsBack) {
  make_model::Shape s;
  s.hidden = 64, s.layers = 2, s.heads = 4, s.kv_heads = 2, s.intermediate = 96, s.vocab = 300;
  const auto specs = make_model::tensors_for(s);
  const auto w = make_model::llama_gguf_for(s, specs, make_model::GgmlType::F16);
  const auto path = std::filesystem::temp_directory_path() / "plinth_gguf_writer_test.gguf";
  // Every element holds its tensor's index, so the reader can check where each tensor landed.
  w.write(
      path.string(),
      [&](size_t ti, int64_t, int64_t n, uint8_t *dst) {
        const size_t es = specs[ti].shape.size() == 1 ? 4 : 2;
        for (int64_t k = 0; k < n; ++k)
          std::memset(dst + es * k, static_cast<int>(ti + 1), es);
      },
      [](uint64_t, uint64_t) {});

  Reader r;
  {
    std::ifstream f(path, std::ios::binary);
    r.b.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::filesystem::remove(path);
  ASSERT_GE(r.b.size(), 24u);
  EXPECT_EQ(std::string(r.b.data(), 4), "GGUF");
  r.p = 4;
  EXPECT_EQ(r.get<uint32_t>(), 3u);
  const auto n_tensors = r.get<int64_t>(), n_kv = r.get<int64_t>();
  EXPECT_EQ(n_tensors, 1 + 9 * s.layers + 2);

  std::map<std::string, Kv> kv;
  for (int64_t i = 0; i < n_kv; ++i) {
    const std::string key = r.str();
    Kv v;
    v.type = r.get<uint32_t>();
    if (v.type == 8)
      v.s = r.str();
    else if (v.type == 9) {
      v.arr_type = r.get<uint32_t>();
      v.count = r.get<uint64_t>();
      for (uint64_t k = 0; k < v.count; ++k) {
        if (v.arr_type == 8)
          v.strs.push_back(r.str());
        else
          scalar(r, v.arr_type);
      }
    } else
      v.num = scalar(r, v.type);
    ASSERT_TRUE(kv.emplace(key, v).second) << "duplicate key " << key;
  }
  EXPECT_EQ(kv["general.architecture"].s, "llama");
  EXPECT_EQ(kv["llama.embedding_length"].num, 64);
  EXPECT_EQ(kv["llama.block_count"].num, 2);
  EXPECT_EQ(kv["llama.feed_forward_length"].num, 96);
  EXPECT_EQ(kv["llama.attention.head_count"].num, 4);
  EXPECT_EQ(kv["llama.attention.head_count_kv"].num, 2);
  EXPECT_FLOAT_EQ(static_cast<float>(kv["llama.rope.freq_base"].num), 1e6f);
  EXPECT_FLOAT_EQ(static_cast<float>(kv["llama.attention.layer_norm_rms_epsilon"].num), 1e-5f);
  EXPECT_EQ(kv["tokenizer.ggml.model"].s, "llama");
  ASSERT_EQ(kv["tokenizer.ggml.tokens"].strs.size(), 300u);
  EXPECT_EQ(kv["tokenizer.ggml.tokens"].strs[1], "<s>");
  EXPECT_EQ(kv["tokenizer.ggml.tokens"].strs[3 + 10], "<0x0A>"); // llama.cpp's newline lookup
  EXPECT_EQ(kv["tokenizer.ggml.scores"].count, 300u);
  EXPECT_EQ(kv["tokenizer.ggml.token_type"].count, 300u);
  EXPECT_EQ(kv["tokenizer.ggml.bos_token_id"].num, 1);
  EXPECT_EQ(kv["tokenizer.ggml.eos_token_id"].num, 2);

  std::map<std::string, TensorInfo> tensors;
  std::vector<std::string> order;
  for (int64_t i = 0; i < n_tensors; ++i) {
    const std::string name = r.str();
    TensorInfo t;
    const auto nd = r.get<uint32_t>();
    for (uint32_t d = 0; d < nd; ++d)
      t.dims.push_back(r.get<int64_t>());
    t.type = r.get<uint32_t>();
    t.offset = r.get<uint64_t>();
    order.push_back(name);
    tensors[name] = t;
  }
  const size_t data = (r.p + 31) / 32 * 32;
  EXPECT_EQ(tensors["token_embd.weight"].dims, (std::vector<int64_t>{64, 300}));
  EXPECT_EQ(tensors["output.weight"].dims, (std::vector<int64_t>{64, 300}));
  EXPECT_EQ(tensors["output_norm.weight"].type, 0u);                              // f32
  EXPECT_EQ(tensors["blk.1.attn_k.weight"].dims, (std::vector<int64_t>{64, 32})); // 2 kv heads x 16
  EXPECT_EQ(tensors["blk.1.ffn_down.weight"].dims, (std::vector<int64_t>{96, 64}));
  EXPECT_EQ(tensors["blk.0.ffn_gate.weight"].type, 1u); // f16
  ASSERT_EQ(order.size(), specs.size());
  uint64_t end = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto &t = tensors[order[i]];
    EXPECT_EQ(t.offset % 32, 0u) << order[i];
    EXPECT_GE(t.offset, end) << order[i];
    uint64_t n = t.type == 0 ? 4 : 2;
    for (auto d : t.dims)
      n *= static_cast<uint64_t>(d);
    ASSERT_LE(data + t.offset + n, r.b.size()) << order[i];
    EXPECT_EQ(static_cast<unsigned char>(r.b[data + t.offset]), i + 1) << order[i];
    EXPECT_EQ(static_cast<unsigned char>(r.b[data + t.offset + n - 1]), i + 1) << order[i];
    end = t.offset + n;
  }
  EXPECT_EQ(data + end, r.b.size());
}
