#include "mixtral_session.hpp"

namespace plinth::mixtral {

MixtralSession::MixtralSession(const MixtralModel &model, int32_t batch, int32_t max_tokens)
    : model_(model),
      kv_(model.ops(), "mixtral", batch, max_tokens, model.config().num_layers,
          model.config().num_kv_heads, model.config().head_dim, model.config().vocab_size) {}

void MixtralSession::step(const plinth_step_io &io) {
  kv_.step(
      io,
      [&](const plugin::DecodeStep &s) {
        return model_.trunk(s.ids_t, s.positions_t, s.key_mask, s.caches, s.past, nullptr);
      },
      [&](const Tensor &last) { return model_.lm_logits(model_.final_norm(last)); });
}

} // namespace plinth::mixtral
