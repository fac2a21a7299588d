// tokenizer.json pipelines (core/tokenizer/): any JSON document as the file, then one text
// encoded and decoded through whatever it built.
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_common.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

PLINTH_FUZZ_TARGET({
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception &) {
    return 0;
  }
  plinth::tok::TokenizerConfig cfg;
  const auto tok = plinth::tok::make_json_tokenizer(j, cfg, "fuzz/tokenizer.json");
  plinth::tok::EncodeOptions eo;
  const auto enc = tok->encode("Hello, wörld! 12 34   tabs\tand\nlines ünïcödé", eo);
  tok->decode(enc.ids, false);
})
