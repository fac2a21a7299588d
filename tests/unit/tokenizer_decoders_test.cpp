// Decoder pieces of the tokenizer.json pipeline that the golden tokenizers do not use.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tokenizer/pipeline.hpp"

using nlohmann::json;

TEST(TokenizerDecoders, ReplaceWithRegexPattern) {
  const auto d = plinth::tok::make_decoder(
      json::parse(R"({"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "})"));
  const auto out = d->decode_chain({"a  b", "\tc\n\nd", "e"});
  EXPECT_EQ(out, (std::vector<std::string>{"a b", " c d", "e"}));
}

TEST(TokenizerDecoders, ReplaceWithStringPattern) {
  const auto d = plinth::tok::make_decoder(
      json::parse(R"({"type": "Replace", "pattern": {"String": "▁"}, "content": " "})"));
  EXPECT_EQ(d->decode_chain({"▁a▁b"}), (std::vector<std::string>{" a b"}));
}
