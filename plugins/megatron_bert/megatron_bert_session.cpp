#include "megatron_bert_session.hpp"

#include "error.hpp"

namespace plinth::megatron_bert {

using plugin::fail;

namespace {

// Pruned checkpoints keep a different number of heads per layer.
std::vector<int64_t> layer_heads(const MegatronBertModel &model) {
  std::vector<int64_t> heads;
  for (const MegatronBertLayer &l : model.layers())
    heads.push_back(l.n_heads);
  return heads;
}

} // namespace

MegatronBertSession::MegatronBertSession(const MegatronBertModel &model, int32_t batch,
                                         int32_t max_tokens)
    : model_(model),
      // token_type_ids are not passed to generate(), so they are zeros: one tensor for all steps.
      types_(model.ops().zeros({batch, max_tokens}, PLINTH_DTYPE_I32)),
      kv_(model.ops(), "megatron-bert", batch, max_tokens, layer_heads(model),
          model.config().head_dim, model.config().vocab_size) {}

void MegatronBertSession::step(const plinth_step_io &io) {
  const MegatronBertConfig &c = model_.config();
  const plugin::Ops &ops = model_.ops();
  kv_.step(
      io,
      [&](const plugin::DecodeStep &s) {
        Tensor h = model_.embed(s.ids_t, ops.view(types_, {kv_.batch(), s.n}), s.positions_t);
        return model_.layers_forward(h, s.key_mask, s.caches, s.past, nullptr);
      },
      [&](const Tensor &last) { return model_.lm_logits(model_.final_norm(last)); },
      [&](const plugin::DecodeStep &s) {
        // The model forward accepts generate()'s position_ids; they must fit the absolute
        // position table.
        for (int32_t p : s.positions)
          if (p >= c.max_positions)
            fail(PLINTH_ERR_INVALID_ARGUMENT,
                 "megatron-bert: position " + std::to_string(p) +
                     " exceeds max_position_embeddings = " + std::to_string(c.max_positions));
        for (int32_t id : s.ids)
          if (id < 0 || id >= c.vocab_size)
            fail(PLINTH_ERR_INVALID_ARGUMENT,
                 "megatron-bert: token id " + std::to_string(id) + " is outside the vocabulary");
      });
}

} // namespace plinth::megatron_bert
