#include "forward_io.hpp"

#include <cstring>

#include "error.hpp"

namespace plinth::plugin {

ForwardIO::ForwardIO(const plinth_forward_io *io) : io_(io) {
  if (io == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, "forward: io is NULL");
}

const plinth_host_tensor *ForwardIO::find(const std::string &name) const {
  for (int32_t i = 0; i < io_->n_inputs; ++i) {
    const plinth_host_tensor &t = io_->inputs[i];
    if (t.name != nullptr && name == t.name) return &t;
  }
  return nullptr;
}

std::optional<IntInput> ForwardIO::ints(const std::string &name) const {
  const plinth_host_tensor *t = find(name);
  if (t == nullptr) return std::nullopt;
  if (t->ndim < 1 || t->ndim > PLINTH_MAX_DIMS)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "input '" + name + "' has an invalid rank");
  IntInput in;
  in.shape.assign(t->shape, t->shape + t->ndim);
  const size_t n = static_cast<size_t>(shape_numel(in.shape));
  in.data.resize(n);
  if (t->dtype == PLINTH_DTYPE_I32) {
    std::memcpy(in.data.data(), t->data, n * sizeof(int32_t));
  } else if (t->dtype == PLINTH_DTYPE_I64) {
    const auto *src = static_cast<const int64_t *>(t->data);
    for (size_t i = 0; i < n; ++i)
      in.data[i] = static_cast<int32_t>(src[i]);
  } else {
    fail(PLINTH_ERR_INVALID_ARGUMENT, "input '" + name + "' must be int32 or int64");
  }
  return in;
}

IntInput ForwardIO::require_ints(const std::string &name) const {
  auto in = ints(name);
  if (!in) fail(PLINTH_ERR_INVALID_ARGUMENT, "forward: missing input '" + name + "'");
  return std::move(*in);
}

bool ForwardIO::want(const std::string &name) const {
  return io_->want != nullptr && io_->want(io_->out_ctx, name.c_str()) != 0;
}

void ForwardIO::emit(const std::string &name, const Tensor &t) const {
  if (io_->emit == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, "forward: io has no emit callback");
  plinth_status st = io_->emit(io_->out_ctx, name.c_str(), t.get());
  if (st != PLINTH_OK) throw PluginError(st, "emitting output '" + name + "' failed");
}

} // namespace plinth::plugin
