#include "llama_gguf.hpp"

#include <stdexcept>

namespace make_model {

namespace {

// transformers' Mistral names -> llama.cpp's. No rotary permutation of q/k rows is done (the
// converter does one for real checkpoints): with random weights it changes values, not speed.
std::string gguf_name(const std::string &hf) {
  if (hf == "model.embed_tokens.weight") return "token_embd.weight";
  if (hf == "model.norm.weight") return "output_norm.weight";
  if (hf == "lm_head.weight") return "output.weight";
  const std::string layers = "model.layers.";
  if (hf.rfind(layers, 0) == 0) {
    const size_t dot = hf.find('.', layers.size());
    const std::string n = hf.substr(layers.size(), dot - layers.size()), rest = hf.substr(dot + 1);
    static const std::pair<const char *, const char *> map[] = {
        {"input_layernorm.weight", "attn_norm.weight"},
        {"self_attn.q_proj.weight", "attn_q.weight"},
        {"self_attn.k_proj.weight", "attn_k.weight"},
        {"self_attn.v_proj.weight", "attn_v.weight"},
        {"self_attn.o_proj.weight", "attn_output.weight"},
        {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},
        {"mlp.down_proj.weight", "ffn_down.weight"}};
    for (const auto &[from, to] : map)
      if (rest == from) return "blk." + n + "." + to;
  }
  throw std::runtime_error("no GGUF name for tensor " + hf);
}

// A synthetic SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 byte pieces llama.cpp
// looks up (e.g. <0x0A> for newline), then distinct filler pieces. Benchmarks feed token ids,
// so the pieces only have to load.
void add_vocab(GgufWriter &w, int64_t vocab) {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types; // llama.cpp's token types: 1 normal, 2 unknown, 3 control, 6 byte
  for (int64_t i = 0; i < vocab; ++i) {
    char piece[32];
    int32_t type = 1;
    if (i == 0)
      std::snprintf(piece, sizeof piece, "<unk>"), type = 2;
    else if (i <= 2)
      std::snprintf(piece, sizeof piece, i == 1 ? "<s>" : "</s>"), type = 3;
    else if (i < 3 + 256)
      std::snprintf(piece, sizeof piece, "<0x%02X>", int(i - 3)), type = 6;
    else
      std::snprintf(piece, sizeof piece, "\xe2\x96\x81t%lld", static_cast<long long>(i));
    tokens.emplace_back(piece);
    scores.push_back(type == 1 ? -static_cast<float>(i) : 0.0f);
    types.push_back(type);
  }
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_strings("tokenizer.ggml.tokens", tokens);
  w.add_f32s("tokenizer.ggml.scores", scores);
  w.add_i32s("tokenizer.ggml.token_type", types);
  w.add_u32("tokenizer.ggml.unknown_token_id", 0);
  w.add_u32("tokenizer.ggml.bos_token_id", 1);
  w.add_u32("tokenizer.ggml.eos_token_id", 2);
}

} // namespace

GgufWriter llama_gguf_for(const Shape &s, const std::vector<TensorSpec> &specs,
                          GgmlType matrix_type) {
  if (s.arch != "mistral")
    throw std::runtime_error("GGUF output is written for --arch mistral only");
  GgufWriter w;
  auto u32 = [](int64_t v) { return static_cast<uint32_t>(v); };
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", "plinth random-weight benchmark model");
  // llama_ftype: 0 all f32, 1 mostly f16, 32 mostly bf16
  w.add_u32("general.file_type", matrix_type == GgmlType::F32   ? 0
                                 : matrix_type == GgmlType::F16 ? 1
                                                                : 32);
  w.add_u32("llama.context_length", u32(s.max_positions));
  w.add_u32("llama.embedding_length", u32(s.hidden));
  w.add_u32("llama.block_count", u32(s.layers));
  w.add_u32("llama.feed_forward_length", u32(s.intermediate));
  w.add_u32("llama.attention.head_count", u32(s.heads));
  w.add_u32("llama.attention.head_count_kv", u32(s.kv_heads));
  w.add_u32("llama.rope.dimension_count", u32(s.hidden / s.heads));
  w.add_f32("llama.rope.freq_base", 1e6f);                    // as config_for's rope_theta
  w.add_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f); // as config_for's rms_norm_eps
  w.add_u32("llama.vocab_size", u32(s.vocab));
  add_vocab(w, s.vocab);
  for (const auto &t : specs)
    w.add_tensor(gguf_name(t.name), t.shape, t.shape.size() == 1 ? GgmlType::F32 : matrix_type);
  return w;
}

} // namespace make_model
