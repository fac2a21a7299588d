#include "mixtral_ops.hpp"

#include <string>

#include "error.hpp"

namespace plinth::plugin {

namespace {

template <class Fn> Fn require(Fn fn, const char *op) {
  if (fn == nullptr)
    fail(PLINTH_ERR_UNSUPPORTED, std::string("the backend does not implement op '") + op + "'");
  return fn;
}

// The backend has recorded its own message through host->set_error already.
void check(plinth_status status, const char *op) {
  if (status != PLINTH_OK)
    throw PluginError(status, std::string("backend op '") + op + "' failed", true);
}

} // namespace

TopK topk(const Ops &ops, const Tensor &x, int32_t k) {
  const Backend be = ops.backend();
  auto fn = require(be.ops->topk, "topk");
  Shape shape = x.shape();
  shape.back() = k;
  TopK out;
  out.values = ops.empty(shape);
  out.indices = ops.empty(shape, PLINTH_DTYPE_I32);
  check(fn(be.ctx, x.get(), k, out.values.get(), out.indices.get()), "topk");
  return out;
}

Tensor linear_indexed(const Ops &ops, const Tensor &x, const Tensor &w, const Tensor &ids) {
  const Backend be = ops.backend();
  auto fn = require(be.ops->linear_indexed, "linear_indexed");
  Shape shape = x.shape();
  shape.back() = w.dim(1);
  Tensor y = ops.empty(shape);
  check(fn(be.ctx, x.get(), w.get(), ids.get(), y.get()), "linear_indexed");
  return y;
}

} // namespace plinth::plugin
