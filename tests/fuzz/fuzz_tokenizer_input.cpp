// Text into real tokenizers (every golden tokenizer family, the plugins' ESM, BioGPT and LUKE ones
// included): arbitrary bytes as the input of encode, with and without truncation, for LUKE with
// an entity span over the first character, and the ids back through decode.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "plugin_tokenizers.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {
std::vector<std::unique_ptr<plinth::tok::Tokenizer>> &tokenizers() {
  static std::vector<std::unique_ptr<plinth::tok::Tokenizer>> t = [] {
    std::vector<std::unique_ptr<plinth::tok::Tokenizer>> v;
    const std::filesystem::path dir =
        std::filesystem::path(PLINTH_FUZZ_DATA_DIR) / "golden/tokenizers";
    for (const char *name : {"bert_cased", "bert_uncased", "biogpt", "esm", "gpt2", "helium_spm",
                             "llama_spm", "mluke", "roberta"})
      v.push_back(plugin_tokenizers::load(dir / name));
    return v;
  }();
  return t;
}
} // namespace

PLINTH_FUZZ_TARGET({
  if (size == 0) return 0;
  auto &all = tokenizers();
  auto &tok = *all[data[0] % all.size()];
  const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
  plinth::tok::EncodeOptions eo;
  eo.max_length = data[0] & 0x80 ? 16 : 0;
  if (tok.takes_kwargs() && (data[0] & 0x20) && size > 1)
    eo.kwargs_json = R"({"entity_spans": [[0, 1]], "task": "entity_span_classification"})";
  const auto enc = tok.encode(text, eo);
  tok.decode(enc.ids, (data[0] & 0x40) != 0);
})
