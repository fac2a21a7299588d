// The inputs of a plain (uncached) forward of the Llama-like decoders, and the emission of
// their per-layer hidden states.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "forward_io.hpp"
#include "ops.hpp"

namespace plinth::plugin {

struct DecoderInputs {
  IntInput ids; // input_ids [B, T]
  int64_t B = 0, T = 0;
  std::vector<int32_t> pos;    // [B, T] on the host (learned-position models check the range)
  Tensor ids_t, pos_t, mask_t; // [B, T] each, on the backend
};

// input_ids [batch, seq] (required), attention_mask (optional, all ones when absent, same shape)
// and position_ids (optional, same shape; without them positions are 0..T-1 in every row —
// transformers' cache_position — padding or not). `family` prefixes the errors.
DecoderInputs read_decoder_inputs(const Ops &ops, const ForwardIO &io, const std::string &family);

// Emits h as "hidden_states.<i>" when the host asks for it.
void emit_hidden_state(const ForwardIO &io, int64_t i, const Tensor &h);

} // namespace plinth::plugin
