#include "decoder_inputs.hpp"

#include <vector>

#include "error.hpp"

namespace plinth::plugin {

DecoderInputs read_decoder_inputs(const Ops &ops, const ForwardIO &io, const std::string &family) {
  DecoderInputs in;
  in.ids = io.require_ints("input_ids");
  if (in.ids.shape.size() != 2)
    fail(PLINTH_ERR_INVALID_ARGUMENT, family + ": input_ids must be [batch, seq]");
  const int64_t B = in.ids.shape[0];
  const int64_t T = in.ids.shape[1];
  in.B = B;
  in.T = T;
  std::vector<int32_t> mask(static_cast<size_t>(B * T), 1);
  if (auto m = io.ints("attention_mask")) {
    if (m->shape != in.ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, family + ": attention_mask must match input_ids");
    mask = m->data;
  }
  if (auto given = io.ints("position_ids")) {
    if (given->shape != in.ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, family + ": position_ids must match input_ids");
    in.pos = given->data;
  } else {
    in.pos.resize(static_cast<size_t>(B * T));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        in.pos[static_cast<size_t>(b * T + t)] = static_cast<int32_t>(t);
  }

  in.ids_t = ops.from_host({B, T}, in.ids.data);
  in.pos_t = ops.from_host({B, T}, in.pos);
  in.mask_t = ops.from_host({B, T}, mask);
  return in;
}

void emit_hidden_state(const ForwardIO &io, int64_t i, const Tensor &h) {
  const std::string name = "hidden_states." + std::to_string(i);
  if (io.want(name)) io.emit(name, h);
}

} // namespace plinth::plugin
