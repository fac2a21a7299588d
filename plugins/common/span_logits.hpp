// Extractive question answering: the [B, T, 2] output of qa_outputs split into the
// start_logits and end_logits outputs, [B, T] each.
#pragma once

#include "forward_io.hpp"
#include "ops.hpp"

namespace plinth::plugin {

void emit_span_logits(const Ops &ops, const ForwardIO &io, const Tensor &logits);

} // namespace plinth::plugin
