// The Llama-family decoder (plugins/common/llama_decoder) reads each family's config.json with
// that family's class defaults, and null keys the way transformers treats them. Checked on
// golden checkpoints whose config is edited: a null head_dim is hidden_size / heads, an absent
// one is Helium's class default (128); Mistral's absent sliding_window is its class default
// (4096, no effect on a short input); a window of 0 is refused.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plinth.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A copy of a golden model directory with its config.json edited by `edit`.
class EditedModel {
public:
  EditedModel(const std::string &family, const std::function<void(json &)> &edit) {
    const fs::path src = fs::path(PLINTH_TEST_DATA_DIR) / "golden/models" / family / "base";
    dir_ =
        fs::temp_directory_path() / ("plinth_llama_cfg_" + family + "_" +
                                     std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
    for (const char *f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json"})
      if (fs::exists(src / f)) fs::copy_file(src / f, dir_ / f);
    json cfg = json::parse(std::ifstream(src / "config.json"));
    edit(cfg);
    std::ofstream(dir_ / "config.json") << cfg.dump();
  }
  ~EditedModel() { fs::remove_all(dir_); }
  std::string dir() const { return dir_.string(); }

private:
  static inline int counter_ = 0;
  fs::path dir_;
};

struct Loaded {
  plinth_runtime *rt = nullptr;
  plinth_model *m = nullptr;
  plinth_status status = PLINTH_OK;
  std::string error;
  explicit Loaded(const std::string &dir) {
    EXPECT_EQ(plinth_runtime_create(nullptr, &rt), PLINTH_OK);
    status = plinth_model_load(rt, dir.c_str(), nullptr, &m);
    if (status != PLINTH_OK) error = plinth_last_error();
  }
  ~Loaded() {
    plinth_model_free(m);
    plinth_runtime_free(rt);
  }
  // last_hidden_state of a fixed 6-token input.
  std::vector<float> hidden() const {
    const int32_t ids[] = {1, 5, 9, 2, 7, 3};
    plinth_host_tensor in{};
    in.name = "input_ids";
    in.dtype = PLINTH_DTYPE_I32;
    in.ndim = 2;
    in.shape[0] = 1;
    in.shape[1] = 6;
    in.data = const_cast<int32_t *>(ids);
    plinth_outputs *out = nullptr;
    EXPECT_EQ(plinth_model_forward(m, &in, 1, nullptr, &out), PLINTH_OK) << plinth_last_error();
    std::vector<float> h;
    plinth_host_tensor t{};
    if (out && plinth_outputs_find(out, "last_hidden_state", &t) == PLINTH_OK) {
      int64_t n = 1;
      for (int32_t i = 0; i < t.ndim; ++i)
        n *= t.shape[i];
      const auto *p = static_cast<const float *>(t.data);
      h.assign(p, p + n);
    }
    plinth_outputs_free(out);
    return h;
  }
};

TEST(LlamaConfig, HeliumHeadDimNullIsHiddenOverHeadsAbsentIsClassDefault) {
  EditedModel unchanged("helium", [](json &) {});
  const Loaded original(unchanged.dir());
  ASSERT_EQ(original.status, PLINTH_OK) << original.error;
  const std::vector<float> want = original.hidden();
  ASSERT_FALSE(want.empty());

  EditedModel null_dim("helium", [](json &c) {
    ASSERT_EQ(c["hidden_size"].get<int>() / c["num_attention_heads"].get<int>(),
              c["head_dim"].get<int>()); // the fixture's head_dim is the derived one
    c["head_dim"] = nullptr;
  });
  const Loaded with_null(null_dim.dir());
  ASSERT_EQ(with_null.status, PLINTH_OK) << with_null.error;
  EXPECT_EQ(with_null.hidden(), want);

  EditedModel absent("helium", [](json &c) { c.erase("head_dim"); });
  const Loaded with_absent(absent.dir());
  EXPECT_EQ(with_absent.status, PLINTH_ERR_FORMAT); // 128 does not fit the weights
  EXPECT_NE(with_absent.error.find("head_dim"), std::string::npos) << with_absent.error;
}

TEST(LlamaConfig, MistralSlidingWindowDefaultsAndZeroIsRefused) {
  EditedModel null_window("mistral", [](json &c) { c["sliding_window"] = nullptr; });
  const Loaded a(null_window.dir());
  ASSERT_EQ(a.status, PLINTH_OK) << a.error;
  EditedModel absent("mistral", [](json &c) { c.erase("sliding_window"); });
  const Loaded b(absent.dir());
  ASSERT_EQ(b.status, PLINTH_OK) << b.error;
  EXPECT_EQ(a.hidden(), b.hidden()); // 4096 > 6 tokens: the same as no window

  EditedModel zero("mistral", [](json &c) { c["sliding_window"] = 0; });
  const Loaded z(zero.dir());
  EXPECT_EQ(z.status, PLINTH_ERR_UNSUPPORTED);
  EXPECT_NE(z.error.find("sliding_window"), std::string::npos) << z.error;
}

TEST(LlamaConfig, MixtralExpertsMustCoverTopK) {
  EditedModel bad("mixtral",
                  [](json &c) { c["num_experts_per_tok"] = c.value("num_local_experts", 8) + 1; });
  const Loaded l(bad.dir());
  EXPECT_EQ(l.status, PLINTH_ERR_FORMAT);
  EXPECT_NE(l.error.find("num_experts_per_tok"), std::string::npos) << l.error;
}

} // namespace
