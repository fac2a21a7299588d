// Constructors of the tokenizer families load_tokenizer() chooses between, and helpers they
// share.
#pragma once

#include <filesystem>
#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace plinth::tok {

// HF tokenizers' tokenizer.json pipeline.
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::filesystem::path &file,
                                               const TokenizerConfig &cfg);
// The same from an in-memory tokenizer.json; `what` names the source in errors.
std::unique_ptr<Tokenizer> make_json_tokenizer(const nlohmann::json &j, const TokenizerConfig &cfg,
                                               const std::string &what);
// transformers' EsmTokenizer (vocab.txt).
std::unique_ptr<Tokenizer> load_esm_tokenizer(const std::filesystem::path &dir,
                                              const TokenizerConfig &cfg);
// Checkpoints without tokenizer.json: vocab.txt (BERT WordPiece), vocab.json + merges.txt
// (GPT-2 / RoBERTa byte-level BPE). They are turned into the equivalent tokenizer.json.
std::unique_ptr<Tokenizer> load_legacy_tokenizer(const std::filesystem::path &dir,
                                                 const TokenizerConfig &cfg);
// transformers' BioGptTokenizer (vocab.json + merges.txt, Moses pre-tokenization).
std::unique_ptr<Tokenizer> load_biogpt_tokenizer(const std::filesystem::path &dir,
                                                 const TokenizerConfig &cfg);
// Sentencepiece model files (tokenizer.model, sentencepiece.bpe.model) read with
// libsentencepiece; nullptr if the directory has none.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path &dir,
                                                        const TokenizerConfig &cfg);
// LukeTokenizer / MLukeTokenizer: adds entity-aware encoding to the word tokenizer if the
// directory has an entity vocabulary (entity_vocab.json or tokenizer_config.json's).
std::unique_ptr<Tokenizer> wrap_luke_tokenizer(std::unique_ptr<Tokenizer> words,
                                               const std::filesystem::path &dir,
                                               const TokenizerConfig &cfg);

// Shortens the sequences so that they hold at most `budget` tokens together, removing from
// the longer one first (transformers' "longest_first").
void truncate_longest_first(Encoding &a, Encoding *b, size_t budget);
// Truncation to `max_length` tokens in all (0: none) when `added` special tokens will be put
// around the sequences: they keep max_length - added. A max_length below `added` cannot be
// met and is refused (transformers returns the special tokens alone, longer than asked).
void truncate_to_max_length(Encoding &a, Encoding *b, size_t max_length, size_t added);
void truncate_encoding(Encoding &e, size_t len);

} // namespace plinth::tok
