// pytorch_model.bin: read through the zip + restricted pickle reader, equal to safetensors,
// and hostile or broken files are refused with a clear error (never executed, never a crash).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "checkpoint.hpp"
#include "error.hpp"
#include "model.hpp"
#include "plugin_registry.hpp"
#include "safetensors.hpp"
#include "torch_bin_writer.hpp"
#include "torch_checkpoint.hpp"

namespace fs = std::filesystem;
using plinth::Error;
using plinth::TorchCheckpointFile;

namespace {
const fs::path kGolden = fs::path(PLINTH_TEST_DATA_DIR) / "golden/models";

// Converts a safetensors checkpoint into the torch zip format (one storage per tensor).
std::vector<uint8_t> to_torch_bin(const plinth::SafetensorsFile &st) {
  std::vector<test_torch::Storage> storages;
  std::vector<test_torch::Tensor> tensors;
  for (const auto &[name, rec] : st.tensors()) {
    EXPECT_EQ(rec.dtype, PLINTH_DTYPE_F32);
    test_torch::Storage s{std::to_string(storages.size()), "FloatStorage", rec.numel(),
                          std::vector<uint8_t>(rec.data, rec.data + rec.nbytes)};
    storages.push_back(std::move(s));
    test_torch::Tensor t{name, storages.size() - 1, 0, rec.shape, {}};
    int64_t stride = 1;
    t.stride.resize(rec.shape.size());
    for (size_t d = rec.shape.size(); d-- > 0;)
      t.stride[d] = stride, stride *= rec.shape[d];
    tensors.push_back(std::move(t));
  }
  return test_torch::checkpoint(storages, tensors);
}

std::string error_of(const std::vector<uint8_t> &bytes, plinth_status want) {
  try {
    TorchCheckpointFile f(bytes.data(), bytes.size(), "pytorch_model.bin");
  } catch (const Error &e) {
    EXPECT_EQ(e.status(), want) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

fs::path make_bin_model(const std::string &case_dir, const std::string &tag) {
  const fs::path src = kGolden / case_dir;
  const fs::path dir = fs::temp_directory_path() / ("plinth_bin_" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (auto f : {"config.json", "inputs.safetensors"})
    fs::copy_file(src / f, dir / f);
  plinth::SafetensorsFile st(src / "model.safetensors");
  auto bin = to_torch_bin(st);
  std::ofstream(dir / "pytorch_model.bin", std::ios::binary)
      .write(reinterpret_cast<const char *>(bin.data()), static_cast<std::streamsize>(bin.size()));
  return dir;
}

test_torch::Storage floats(const std::string &key, std::vector<float> v) {
  test_torch::Storage s{key, "FloatStorage", static_cast<int64_t>(v.size()), {}};
  s.bytes.resize(v.size() * 4);
  std::memcpy(s.bytes.data(), v.data(), s.bytes.size());
  return s;
}
} // namespace

TEST(TorchCheckpoint, SameTensorsAsSafetensors) {
  const fs::path dir = make_bin_model("mistral/causal_lm", "tensors");
  plinth::SafetensorsFile st(kGolden / "mistral/causal_lm/model.safetensors");
  plinth::Checkpoint ck(dir);
  ASSERT_EQ(ck.tensors().size(), st.tensors().size());
  for (const auto &[name, rec] : st.tensors()) {
    const auto *got = ck.find(name);
    ASSERT_NE(got, nullptr) << name;
    EXPECT_EQ(got->shape, rec.shape);
    ASSERT_EQ(got->nbytes, rec.nbytes);
    EXPECT_EQ(std::memcmp(got->data, rec.data, rec.nbytes), 0) << name;
  }
  fs::remove_all(dir);
}

TEST(TorchCheckpoint, SharedStoragesStridesAndOffsets) {
  std::vector<test_torch::Storage> st{floats("0", {1, 2, 3, 4, 5, 6})};
  std::vector<test_torch::Tensor> ts{
      {"a", 0, 0, {2, 3}, {3, 1}},   // the storage as a matrix
      {"a_t", 0, 0, {3, 2}, {1, 3}}, // its transpose: a strided view
      {"tail", 0, 3, {3}, {1}},      // an offset view (tied weights share storages like this)
  };
  auto bytes = test_torch::checkpoint(st, ts);
  TorchCheckpointFile f(bytes.data(), bytes.size(), "t");
  auto vals = [&](const char *n) {
    const auto *r = f.find(n);
    EXPECT_NE(r, nullptr);
    std::vector<float> v(r->nbytes / 4);
    std::memcpy(v.data(), r->data, r->nbytes);
    return v;
  };
  EXPECT_EQ(vals("a"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(vals("a_t"), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(vals("tail"), (std::vector<float>{4, 5, 6}));
}

TEST(TorchCheckpoint, RefusesForeignGlobals) {
  std::vector<test_torch::Storage> st{floats("0", {1})};
  std::vector<test_torch::Tensor> ts{{"w", 0, 0, {1}, {1}}};
  test_torch::Options o;
  o.extra_global = "os\nsystem";
  auto msg = error_of(test_torch::checkpoint(st, ts, o), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("refusing pickle global os.system"), std::string::npos) << msg;
  o.extra_global = "builtins\neval";
  msg = error_of(test_torch::checkpoint(st, ts, o), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("builtins.eval"), std::string::npos) << msg;
}

TEST(TorchCheckpoint, RefusesTruncatedArchive) {
  std::vector<test_torch::Storage> st{floats("0", {1, 2, 3, 4})};
  std::vector<test_torch::Tensor> ts{{"w", 0, 0, {4}, {1}}};
  auto bytes = test_torch::checkpoint(st, ts);
  for (size_t cut : {bytes.size() / 2, bytes.size() - 10, size_t(30)}) {
    std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    auto msg = error_of(part, PLINTH_ERR_FORMAT);
    EXPECT_NE(msg.find("pytorch_model.bin"), std::string::npos) << msg;
  }
}

TEST(TorchCheckpoint, RefusesWrongSizes) {
  std::vector<test_torch::Storage> st{floats("0", {1, 2, 3, 4})};
  test_torch::Options o;
  o.numel_delta = 10; // declares 14 elements, holds 4
  auto msg = error_of(test_torch::checkpoint(st, {{"w", 0, 0, {4}, {1}}}, o), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("declares"), std::string::npos) << msg;
  // A view reaching past its storage.
  msg = error_of(test_torch::checkpoint(st, {{"w", 0, 2, {4}, {1}}}), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("past the end"), std::string::npos) << msg;
}

// Sizes from the file are checked before use: products that wrap 64 bits, views that would
// repeat storage elements (a stride-0 view gathered into gigabytes), storages declaring more
// elements than bytes can hold.
TEST(TorchCheckpoint, RefusesOverflowingAndRepeatingViews) {
  std::vector<test_torch::Storage> st{floats("0", {1, 2, 3, 4})};
  const int64_t big = int64_t{1} << 62;
  auto msg =
      error_of(test_torch::checkpoint(st, {{"w", 0, 0, {big, 4}, {0, 1}}}), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("overflow 64 bits"), std::string::npos) << msg;
  msg = error_of(test_torch::checkpoint(st, {{"w", 0, 0, {4, 3}, {4, big}}}), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("overflow 64 bits"), std::string::npos) << msg;
  // [100000, 4] over 4 floats: every row is the same storage (stride 0).
  msg = error_of(test_torch::checkpoint(st, {{"w", 0, 0, {100000, 4}, {0, 1}}}), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("stride-0 or overlapping view"), std::string::npos) << msg;
  test_torch::Options o;
  o.numel_delta = big + 1 - 4; // 2^62 + 1 elements: times 4 bytes wraps to 4
  msg = error_of(test_torch::checkpoint(st, {{"w", 0, 0, {4}, {1}}}, o), PLINTH_ERR_FORMAT);
  EXPECT_NE(msg.find("declares"), std::string::npos) << msg;
}

TEST(TorchCheckpoint, RefusesNonZipFiles) {
  std::vector<uint8_t> legacy{0x80, 0x02, 0x8a, 0x0a, 'n', 'o', 't', ' ', 'z', 'i', 'p'};
  auto msg = error_of(legacy, PLINTH_ERR_UNSUPPORTED);
  EXPECT_NE(msg.find("legacy"), std::string::npos) << msg;
}

TEST(TorchCheckpoint, ShardedIndex) {
  const fs::path dir = make_bin_model("esm2/base", "shards");
  fs::rename(dir / "pytorch_model.bin", dir / "pytorch_model-00001-of-00001.bin");
  plinth::SafetensorsFile st(kGolden / "esm2/base/model.safetensors");
  nlohmann::json idx;
  for (auto &[name, rec] : st.tensors())
    idx["weight_map"][name] = "pytorch_model-00001-of-00001.bin";
  std::ofstream(dir / "pytorch_model.bin.index.json") << idx.dump();
  plinth::Checkpoint ck(dir);
  EXPECT_EQ(ck.tensors().size(), st.tensors().size());
  fs::remove_all(dir);
}

// The same weights in either format give identical model outputs.
TEST(TorchCheckpoint, SameOutputsAsSafetensors) {
  auto rt = std::make_shared<plinth::Runtime>();
  rt->registry.discover({PLINTH_TEST_PLUGIN_DIR});
  rt->n_threads = 1;
  const fs::path bin_dir = make_bin_model("mistral/causal_lm", "outputs");
  plinth::SafetensorsFile inputs(bin_dir / "inputs.safetensors");
  std::vector<plinth_host_tensor> in;
  for (const char *name : {"input_ids", "attention_mask"}) {
    const auto *r = inputs.find(name);
    ASSERT_NE(r, nullptr);
    plinth_host_tensor t{};
    t.name = r->name.c_str();
    t.dtype = r->dtype;
    t.ndim = static_cast<int32_t>(r->shape.size());
    for (int i = 0; i < t.ndim; ++i)
      t.shape[i] = r->shape[static_cast<size_t>(i)];
    t.data = const_cast<uint8_t *>(r->data);
    in.push_back(t);
  }
  plinth::ModelLoadOptions opts;
  opts.backend = "cpu";
  plinth::Model from_st(rt, (kGolden / "mistral/causal_lm").string(), opts);
  plinth::Model from_bin(rt, bin_dir.string(), opts);
  auto a = from_st.forward(in, false, {});
  auto b = from_bin.forward(in, false, {});
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].name, "logits");
  EXPECT_EQ(a[0].shape, b[0].shape);
  EXPECT_EQ(a[0].data, b[0].data); // bit-identical: same weights, same kernels
  fs::remove_all(bin_dir);
}
