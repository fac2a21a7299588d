// The safetensors parser: real checkpoints parse; malformed headers are clear errors.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "error.hpp"
#include "safetensors.hpp"

using plinth::Error;
using plinth::SafetensorsFile;

namespace {
std::vector<uint8_t> make_file(const std::string &header, size_t data_bytes,
                               uint64_t hlen_override = 0) {
  // One allocation of the final size, filled in place (growing a vector by insert() after a
  // resize trips a GCC 12 -Warray-bounds false positive).
  std::vector<uint8_t> buf(8 + header.size() + data_bytes, 0);
  const uint64_t n = hlen_override ? hlen_override : header.size();
  for (size_t i = 0; i < 8; ++i)
    buf[i] = static_cast<uint8_t>(n >> (8 * i));
  std::copy(header.begin(), header.end(), buf.begin() + 8);
  return buf;
}

std::string error_of(const std::vector<uint8_t> &buf) {
  try {
    SafetensorsFile f(buf.data(), buf.size(), "test.safetensors");
  } catch (const Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_FORMAT);
    return e.what();
  }
  return "";
}
} // namespace

TEST(Safetensors, ParsesValidHeader) {
  auto buf = make_file(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                       R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},)"
                       R"("__metadata__":{"format":"pt"}})",
                       32);
  SafetensorsFile f(buf.data(), buf.size(), "t");
  ASSERT_EQ(f.tensors().size(), 2u);
  const auto *a = f.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, PLINTH_DTYPE_F32);
  EXPECT_EQ(a->numel(), 6);
  EXPECT_EQ(f.find("b")->dtype, PLINTH_DTYPE_BF16);
  EXPECT_EQ(f.metadata().at("format"), "pt");
}

// A [2^61] F64 tensor needs 2^64 bytes: the product wrapped to 0 and the tensor loaded.
TEST(Safetensors, RejectsSizesThatWrap) {
  auto buf =
      make_file(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 0);
  EXPECT_NE(error_of(buf).find("too large"), std::string::npos) << error_of(buf);
}

// The tensors' byte ranges must tile the data section: overlapping tensors alias each other.
TEST(Safetensors, RejectsOverlapsAndHoles) {
  auto overlap = make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                           R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                           24);
  EXPECT_NE(error_of(overlap).find("overlap another tensor's bytes"), std::string::npos)
      << error_of(overlap);
  auto same = make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                        R"("b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                        16);
  EXPECT_NE(error_of(same).find("overlap"), std::string::npos) << error_of(same);
  auto hole = make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16);
  EXPECT_NE(error_of(hole).find("bytes [0, 8) of the data section belong to no tensor"),
            std::string::npos)
      << error_of(hole);
  auto tail = make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 16);
  EXPECT_NE(error_of(tail).find("bytes [8, 16)"), std::string::npos) << error_of(tail);
}

TEST(Safetensors, RejectsShortFile) {
  std::vector<uint8_t> buf{1, 2, 3};
  EXPECT_NE(error_of(buf).find("shorter"), std::string::npos);
}

TEST(Safetensors, RejectsHeaderLongerThanFile) {
  auto buf = make_file("{}", 0, 1000);
  EXPECT_NE(error_of(buf).find("exceeds the file size"), std::string::npos);
}

TEST(Safetensors, RejectsHugeHeaderLength) {
  auto buf = make_file("{}", 0, ~0ull);
  EXPECT_NE(error_of(buf).find("implausible"), std::string::npos);
}

TEST(Safetensors, RejectsNonJsonHeader) {
  auto buf = make_file("{not json", 0);
  EXPECT_NE(error_of(buf).find("not JSON"), std::string::npos);
}

TEST(Safetensors, RejectsOffsetsOutsideData) {
  auto buf = make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  EXPECT_NE(error_of(buf).find("outside"), std::string::npos);
}

TEST(Safetensors, RejectsSizeShapeMismatch) {
  auto buf = make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16);
  EXPECT_NE(error_of(buf).find("needs 12"), std::string::npos);
}

TEST(Safetensors, RejectsUnknownDtype) {
  auto buf = make_file(R"({"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}})", 1);
  EXPECT_NE(error_of(buf).find("unsupported dtype"), std::string::npos);
}

TEST(Safetensors, RejectsNegativeDims) {
  auto buf = make_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
  EXPECT_NE(error_of(buf).find("negative"), std::string::npos);
}

TEST(Safetensors, MissingFileIsNotFound) {
  try {
    SafetensorsFile f("/nonexistent/model.safetensors");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.safetensors"), std::string::npos);
  }
}

TEST(Safetensors, ReadsGoldenCheckpoint) {
  SafetensorsFile f(std::string(PLINTH_TEST_DATA_DIR) +
                    "/golden/models/mistral/base/model.safetensors");
  const auto *emb = f.find("embed_tokens.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->shape, (std::vector<int64_t>{1000, 64}));
}
