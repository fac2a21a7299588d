// config.json handling: dotted paths, old and new rope styles, checkpoints and shards.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "checkpoint.hpp"
#include "dtype.hpp"
#include "error.hpp"
#include "host_api.hpp"
#include "json_config.hpp"

namespace fs = std::filesystem;
using plinth::JsonConfig;

TEST(Config, DottedPaths) {
  JsonConfig c(nlohmann::json::parse(R"({"a":{"b":[1,2.5,"x"]},"n":null})"));
  EXPECT_EQ(c.get_i64("a.b.0"), 1);
  EXPECT_DOUBLE_EQ(*c.get_f64("a.b.1"), 2.5);
  EXPECT_EQ(c.get_str("a.b.2"), "x");
  EXPECT_EQ(c.type("a.b.3"), PLINTH_CONFIG_MISSING);
  EXPECT_EQ(c.type("n"), PLINTH_CONFIG_NULL);
  EXPECT_EQ(c.type("a"), PLINTH_CONFIG_OBJECT);
  EXPECT_EQ(c.type("a.b.x"), PLINTH_CONFIG_MISSING);
}

TEST(Config, OldStyleRopeThetaIsMirrored) {
  auto j = nlohmann::json::parse(R"({"rope_theta": 500000.0, "rope_scaling": {"type": "linear", "factor": 2.0}})");
  plinth::normalize_model_config(j);
  JsonConfig c(j);
  EXPECT_DOUBLE_EQ(*c.get_f64("rope_parameters.rope_theta"), 500000.0);
  EXPECT_EQ(c.get_str("rope_parameters.rope_type"), "linear");
  EXPECT_DOUBLE_EQ(*c.get_f64("rope_parameters.factor"), 2.0);
}

TEST(Config, NewStyleRopeParametersKept) {
  auto j = nlohmann::json::parse(R"({"rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}})");
  plinth::normalize_model_config(j);
  JsonConfig c(j);
  EXPECT_DOUBLE_EQ(*c.get_f64("rope_parameters.rope_theta"), 10000.0);
  EXPECT_DOUBLE_EQ(*c.get_f64("rope_theta"), 10000.0);
}

TEST(Config, InvalidJsonNamesTheFile) {
  auto dir = fs::temp_directory_path() / "plinth_cfg_test";
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"model_type\": ";
  try {
    plinth::Checkpoint ck(dir);
    FAIL();
  } catch (const plinth::Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_FORMAT);
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(Checkpoint, MissingWeightsIsClearError) {
  auto dir = fs::temp_directory_path() / "plinth_ck_test";
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "mistral"})";
  try {
    plinth::Checkpoint ck(dir);
    FAIL();
  } catch (const plinth::Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(Checkpoint, ShardedIndexIsFollowed) {
  const fs::path src = fs::path(PLINTH_TEST_DATA_DIR) / "golden/models/mistral/base";
  auto dir = fs::temp_directory_path() / "plinth_shard_test";
  fs::create_directories(dir);
  fs::copy_file(src / "config.json", dir / "config.json", fs::copy_options::overwrite_existing);
  fs::copy_file(src / "model.safetensors", dir / "model-00001-of-00001.safetensors",
                fs::copy_options::overwrite_existing);
  plinth::SafetensorsFile whole(src / "model.safetensors");
  nlohmann::json idx;
  for (auto &[name, rec] : whole.tensors()) idx["weight_map"][name] = "model-00001-of-00001.safetensors";
  std::ofstream(dir / "model.safetensors.index.json") << idx.dump();
  plinth::Checkpoint ck(dir);
  EXPECT_EQ(ck.tensors().size(), whole.tensors().size());
  EXPECT_NE(ck.find("norm.weight"), nullptr);
  EXPECT_EQ(ck.model_type(), "mistral");
  EXPECT_EQ(ck.dominant_dtype(), PLINTH_DTYPE_F32);
  fs::remove_all(dir);
}

TEST(Dtype, HalfConversionsRoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-5f, 3.14159f}) {
    EXPECT_NEAR(plinth::f16_to_f32(plinth::f32_to_f16(f)), f, std::abs(f) * 1e-3f + 1e-7f);
    EXPECT_NEAR(plinth::bf16_to_f32(plinth::f32_to_bf16(f)), f, std::abs(f) * 1e-2f + 1e-30f);
  }
  EXPECT_EQ(plinth::f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(plinth::f32_to_f16(1.0f), 0x3c00);
}

// Plugins read config integers through the host table: values that do not fit int64 (a float
// of 1e30, NaN-like text, an unsigned beyond 2^63) are refused instead of cast (a float cast
// out of range is undefined behaviour), and whole floats within range still read as integers.
TEST(Checkpoint, ConfigIntegersAreRangeChecked) {
  const fs::path src = fs::path(PLINTH_TEST_DATA_DIR) / "golden/models/mistral/base";
  auto dir = fs::temp_directory_path() / ("plinth_cfg_int_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(src / "model.safetensors", dir / "model.safetensors",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "config.json")
      << R"({"model_type": "mistral", "big_float": 1e30, "whole": 4096.0, "half": 2.5,
             "huge_unsigned": 18446744073709551615, "ok": 32, "neg": -7, "eos_token_id": [2, 4294967298]})";
  plinth::Checkpoint ck(dir);
  plinth_model_host mh;
  mh.checkpoint = &ck;
  const plinth_host_api *host = plinth::host_api_table();
  int64_t v = 0;
  EXPECT_EQ(host->config_i64(&mh, "ok", &v), PLINTH_OK);
  EXPECT_EQ(v, 32);
  EXPECT_EQ(host->config_i64(&mh, "neg", &v), PLINTH_OK);
  EXPECT_EQ(v, -7);
  EXPECT_EQ(host->config_i64(&mh, "whole", &v), PLINTH_OK);
  EXPECT_EQ(v, 4096);
  for (const char *bad : {"big_float", "half", "huge_unsigned"})
    EXPECT_EQ(host->config_i64(&mh, bad, &v), PLINTH_ERR_INVALID_ARGUMENT) << bad;
  EXPECT_THROW(ck.eos_token_ids(), plinth::Error); // 2^32 + 2 would become token 2
  fs::remove_all(dir);
}
