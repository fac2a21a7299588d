#include "span_logits.hpp"

namespace plinth::plugin {

void emit_span_logits(const Ops &ops, const ForwardIO &io, const Tensor &logits) {
  const int64_t B = logits.dim(0);
  const int64_t T = logits.dim(1);
  Tensor both = ops.permute(logits, {2, 0, 1}); // [2, B, T]
  io.emit("start_logits", ops.view(both, {B, T}, 0));
  io.emit("end_logits", ops.view(both, {B, T}, B * T));
}

} // namespace plinth::plugin
