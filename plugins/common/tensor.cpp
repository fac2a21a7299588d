#include "tensor.hpp"

namespace plinth::plugin {

struct Tensor::Holder {
  Backend be;
  plinth_tensor *t = nullptr;
  bool owns = false;
  Tensor base; // declared last: released after this tensor is freed below

  ~Holder() {
    if (owns && t != nullptr && be.ops != nullptr && be.ops->tensor_free != nullptr)
      be.ops->tensor_free(be.ctx, t);
  }
};

Tensor Tensor::owned(Backend be, plinth_tensor *t, Tensor base) {
  Tensor out;
  out.holder_ = std::make_shared<Holder>();
  out.holder_->be = be;
  out.holder_->t = t;
  out.holder_->owns = true;
  out.holder_->base = std::move(base);
  return out;
}

Tensor Tensor::borrowed(const plinth_tensor *t) {
  Tensor out;
  out.holder_ = std::make_shared<Holder>();
  // Never written through: weights are only ever passed as const inputs to ops.
  out.holder_->t = const_cast<plinth_tensor *>(t);
  return out;
}

plinth_tensor *Tensor::get() const noexcept { return holder_ ? holder_->t : nullptr; }

int64_t Tensor::dim(int i) const noexcept {
  const plinth_tensor *t = get();
  if (i < 0) i += t->ndim;
  return t->shape[i];
}

Shape Tensor::shape() const {
  const plinth_tensor *t = get();
  return Shape(t->shape, t->shape + t->ndim);
}

int64_t Tensor::numel() const noexcept {
  const plinth_tensor *t = get();
  int64_t n = 1;
  for (int i = 0; i < t->ndim; ++i)
    n *= t->shape[i];
  return n;
}

int64_t shape_numel(const Shape &shape) noexcept {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string shape_string(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

} // namespace plinth::plugin
