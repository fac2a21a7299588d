#include "biogpt_session.hpp"

namespace plinth::biogpt {

BioGptSession::BioGptSession(const BioGptModel &model, int32_t batch, int32_t max_tokens)
    : model_(model),
      kv_(model.ops(), "biogpt", batch, max_tokens, model.config().num_layers,
          model.config().num_heads, model.config().head_dim, model.config().vocab_size) {}

void BioGptSession::step(const plinth_step_io &io) {
  // The embedding adds its offset of 2 to generate()'s position ids.
  kv_.step(
      io,
      [&](const plugin::DecodeStep &s) {
        return model_.trunk(s.ids_t, s.positions, s.key_mask, s.caches, s.past, nullptr);
      },
      [&](const Tensor &last) { return model_.lm_logits(model_.final_norm(last)); });
}

} // namespace plinth::biogpt
