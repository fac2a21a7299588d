#include "gpt2_session.hpp"

namespace plinth::gpt2 {

Gpt2Session::Gpt2Session(const Gpt2Model &model, int32_t batch, int32_t max_tokens)
    : model_(model),
      kv_(model.ops(), "gpt2", batch, max_tokens, model.config().num_layers,
          model.config().num_heads, model.config().head_dim, model.config().vocab_size) {}

void Gpt2Session::step(const plinth_step_io &io) {
  kv_.step(
      io,
      [&](const plugin::DecodeStep &s) {
        return model_.trunk(s.ids_t, s.positions_t, Tensor{}, s.key_mask, s.caches, s.past,
                            nullptr);
      },
      [&](const Tensor &last) { return model_.lm_logits(model_.final_norm(last)); },
      [&](const plugin::DecodeStep &s) { model_.check_positions(s.positions); });
}

} // namespace plinth::gpt2
