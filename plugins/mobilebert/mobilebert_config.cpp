#include "mobilebert_config.hpp"

#include <string>

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::mobilebert {

using plugin::fail;

namespace {

int64_t positive(const plugin::Config &cfg, const std::string &key, int64_t fallback) {
  const int64_t v = cfg.i64_or(key, fallback);
  if (v <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: " + key + " must be positive, got " + std::to_string(v));
  return v;
}

} // namespace

MobileBertConfig MobileBertConfig::read(const plugin::Config &cfg) {
  MobileBertConfig c;
  // Defaults are MobileBertConfig's (google/mobilebert-uncased).
  c.vocab_size = positive(cfg, "vocab_size", 30522);
  c.hidden_size = positive(cfg, "hidden_size", 512);
  c.embedding_size = positive(cfg, "embedding_size", 128);
  c.intermediate_size = positive(cfg, "intermediate_size", 512);
  c.num_layers = cfg.i64_or("num_hidden_layers", 24);
  if (c.num_layers < 0) fail(PLINTH_ERR_FORMAT, "config.json: num_hidden_layers is negative");
  c.num_heads = positive(cfg, "num_attention_heads", 4);
  c.max_positions = positive(cfg, "max_position_embeddings", 512);
  c.type_vocab_size = positive(cfg, "type_vocab_size", 2);
  c.layer_norm_eps = cfg.f64_or("layer_norm_eps", 1e-12);
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "relu"));

  c.trigram_input = cfg.bool_or("trigram_input", true);
  c.use_bottleneck = cfg.bool_or("use_bottleneck", true);
  c.intra_bottleneck_size = positive(cfg, "intra_bottleneck_size", 128);
  c.true_hidden_size = c.use_bottleneck ? c.intra_bottleneck_size : c.hidden_size;
  c.use_bottleneck_attention = cfg.bool_or("use_bottleneck_attention", false);
  c.key_query_shared_bottleneck = cfg.bool_or("key_query_shared_bottleneck", true);
  // MobileBertLayer keeps num_feedforward_networks - 1 extra FFNs; 0 has no meaning (the
  // transformers layer would fail on its missing `ffn` list).
  c.num_feedforward_networks = cfg.i64_or("num_feedforward_networks", 4);
  if (c.num_feedforward_networks < 1)
    fail(PLINTH_ERR_UNSUPPORTED,
         "config.json: num_feedforward_networks = " + std::to_string(c.num_feedforward_networks) +
             " is not supported (must be at least 1)");
  cfg.require_one_of("normalization_type", {"no_norm", "layer_norm"}, "no_norm");
  c.no_norm = cfg.str_or("normalization_type", "no_norm") == "no_norm";
  c.classifier_activation = cfg.bool_or("classifier_activation", true);
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", true);

  // all_head_size = heads * int(true_hidden_size / heads) must equal true_hidden_size for the
  // attention output projection to fit; transformers fails on anything else.
  if (c.true_hidden_size % c.num_heads != 0)
    fail(PLINTH_ERR_FORMAT,
         "config.json: the attention width (" + std::to_string(c.true_hidden_size) +
             ") must be a multiple of num_attention_heads (" + std::to_string(c.num_heads) + ")");
  c.head_dim = c.true_hidden_size / c.num_heads;
  // The MLM head concatenates the tied [vocab, embedding_size] decoder with a dense block of
  // hidden_size - embedding_size rows.
  if (c.embedding_size > c.hidden_size)
    fail(PLINTH_ERR_FORMAT, "config.json: embedding_size (" + std::to_string(c.embedding_size) +
                                ") must not exceed hidden_size (" + std::to_string(c.hidden_size) +
                                ")");

  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);

  // Options MobileBERT does not have in transformers but that a BERT-style config could carry:
  // reject the ones that would change the computation rather than ignore them.
  cfg.require_one_of("position_embedding_type", {"absolute"}, "absolute");
  cfg.require_bool("is_decoder", false, false);
  cfg.require_bool("add_cross_attention", false, false);
  return c;
}

} // namespace plinth::mobilebert
