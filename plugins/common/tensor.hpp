// Tensor: a shared handle to a plinth_tensor. Tensors the plugin creates are freed through
// the backend when the last handle goes; weights (owned by the core) are only borrowed.
// A view keeps its source alive, so the backend's rule "free views before their source"
// holds whatever order handles are dropped in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plinth_plugin.h"

namespace plinth::plugin {

using Shape = std::vector<int64_t>;

struct Backend {
  const plinth_backend_ops *ops = nullptr;
  plinth_backend_ctx *ctx = nullptr;
};

class Tensor {
public:
  Tensor() = default;

  // Takes ownership of t (freed with be.ops->tensor_free); `base` is kept alive while t is.
  static Tensor owned(Backend be, plinth_tensor *t, Tensor base = {});
  // Wraps a tensor someone else frees (weights from host->weight_load).
  static Tensor borrowed(const plinth_tensor *t);

  explicit operator bool() const noexcept { return holder_ != nullptr; }
  plinth_tensor *get() const noexcept;

  int32_t dtype() const noexcept { return get()->dtype; }
  int32_t ndim() const noexcept { return get()->ndim; }
  // dim(i) accepts negative indices counted from the end.
  int64_t dim(int i) const noexcept;
  Shape shape() const;
  int64_t numel() const noexcept;

private:
  struct Holder;
  std::shared_ptr<Holder> holder_;
};

int64_t shape_numel(const Shape &shape) noexcept;
std::string shape_string(const Shape &shape);

} // namespace plinth::plugin
