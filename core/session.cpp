#include "session.hpp"

#include "error.hpp"

namespace plinth {

Session::Session(Model &model, int32_t batch, int32_t max_tokens)
    : model_(model), batch_(batch), max_tokens_(max_tokens) {
  const auto *vt = model.arch_plugin().arch();
  if (!model.info().can_generate || !vt->session_create || !vt->session_step)
    throw Error(PLINTH_ERR_UNSUPPORTED, "the '" + model.head() + "' head of '" +
                                            model.checkpoint().model_type() +
                                            "' cannot generate (load it with a causal LM head)");
  if (batch <= 0 || max_tokens <= 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "session needs batch > 0 and max_tokens > 0");
  check_limit(batch, model.limits().batch, "batch", "session batch");
  check_limit(max_tokens, model.limits().context, "context", "session length (max_tokens)");
  if (model.info().max_positions > 0 && max_tokens > model.info().max_positions)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "session of " + std::to_string(max_tokens) + " tokens exceeds the model's " +
                    std::to_string(model.info().max_positions) + " positions");
  std::lock_guard<std::mutex> lock(model.mutex());
  set_last_error("");
  const plinth_status st = vt->session_create(model.arch_model(), batch, max_tokens, &s_);
  if (st != PLINTH_OK || !s_)
    throw Error(st == PLINTH_OK ? PLINTH_ERR_INTERNAL : st,
                std::string("could not create a decoding session: ") + last_error());
}

Session::~Session() {
  // Under the model's lock like every other session call: freeing the KV caches returns
  // memory to the backend, which a sibling session on another thread may be using.
  if (!s_) return;
  std::lock_guard<std::mutex> lock(model_.mutex());
  model_.arch_plugin().arch()->session_free(s_);
}

void Session::step(const int32_t *ids, int32_t n, const int32_t *mask, float *logits) {
  if (!ids || !logits || n <= 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "session step needs ids, n > 0 and a logits buffer");
  if (past_ + n > max_tokens_)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "session is full: " + std::to_string(past_) + " + " +
                                                 std::to_string(n) + " tokens exceed its " +
                                                 std::to_string(max_tokens_));
  plinth_step_io io{};
  io.struct_size = sizeof io;
  io.input_ids = ids;
  io.n_tokens = n;
  io.attention_mask = mask;
  io.logits = logits;
  std::lock_guard<std::mutex> lock(model_.mutex());
  set_last_error("");
  const plinth_status st = model_.arch_plugin().arch()->session_step(s_, &io);
  if (st != PLINTH_OK) throw Error(st, std::string("decoding step failed: ") + last_error());
  past_ += n;
}

} // namespace plinth
