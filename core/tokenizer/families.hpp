// Constructors of the core's own tokenizer families, which load_tokenizer() chooses between.
#pragma once

#include <filesystem>
#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "json_config.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace plinth::tok {

// HF tokenizers' tokenizer.json pipeline.
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path &file,
                                               const TokenizerConfig &cfg);
// The same from an in-memory tokenizer.json; `what` names the source in errors.
std::unique_ptr<Tokenizer> make_json_tokenizer(const nlohmann::json &j, const TokenizerConfig &cfg,
                                               const std::string &what);
// Checkpoints without tokenizer.json: vocab.txt (BERT WordPiece), vocab.json + merges.txt
// (GPT-2 / RoBERTa byte-level BPE). They are turned into the equivalent tokenizer.json.
std::unique_ptr<Tokenizer> load_legacy_tokenizer(const std::filesystem::path &dir,
                                                 const TokenizerConfig &cfg);
// Sentencepiece model files (tokenizer.model, sentencepiece.bpe.model) read with
// libsentencepiece; nullptr if the directory has none.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path &dir,
                                                        const TokenizerConfig &cfg);

} // namespace plinth::tok
