#include "ops.hpp"

#include <cstddef>
#include <string>

#include "error.hpp"

namespace plinth::plugin {

namespace {

// A failing op has already called host->set_error with the backend's own message.
void check(plinth_status status, const char *op) {
  if (status != PLINTH_OK)
    throw PluginError(status, std::string("backend op '") + op + "' failed", true);
}

template <class Fn> Fn require(Fn fn, const char *op) {
  if (fn == nullptr)
    fail(PLINTH_ERR_UNSUPPORTED, std::string("the backend does not implement op '") + op + "'");
  return fn;
}

#define PLINTH_OP(name) require(be_.ops->name, #name)

// A slot appended to plinth_backend_ops later: NULL when the backend's table ends before it.
#define PLINTH_LATE_OP(name)                                                                       \
  (be_.ops != nullptr &&                                                                           \
           be_.ops->struct_size >= offsetof(plinth_backend_ops, name) + sizeof(void *)             \
       ? be_.ops->name                                                                             \
       : nullptr)

} // namespace

struct Graph::Holder {
  Backend be;
  plinth_graph *g = nullptr;
  ~Holder() {
    if (g != nullptr) be.ops->graph_free(be.ctx, g);
  }
};

Graph::Graph(Backend be, plinth_graph *g) : holder_(std::make_shared<Holder>()) {
  holder_->be = be;
  holder_->g = g;
}

plinth_graph *Graph::get() const noexcept { return holder_ ? holder_->g : nullptr; }

bool Ops::has_device_slots() const noexcept { return PLINTH_LATE_OP(set_slice_dev) != nullptr; }

bool Ops::has_graphs() const noexcept {
  return PLINTH_LATE_OP(graph_begin) != nullptr && PLINTH_LATE_OP(graph_end) != nullptr &&
         PLINTH_LATE_OP(graph_launch) != nullptr && PLINTH_LATE_OP(graph_free) != nullptr;
}

void Ops::set_slice_dev_(const Tensor &dst, int32_t dim, const Tensor &start,
                         const Tensor &src) const {
  check(require(PLINTH_LATE_OP(set_slice_dev), "set_slice_dev")(be_.ctx, dst.get(), dim,
                                                                start.get(), src.get()),
        "set_slice_dev");
}

void Ops::graph_begin() const {
  check(require(PLINTH_LATE_OP(graph_begin), "graph_begin")(be_.ctx), "graph_begin");
}

Graph Ops::graph_end() const {
  plinth_graph *g = nullptr;
  check(require(PLINTH_LATE_OP(graph_end), "graph_end")(be_.ctx, &g), "graph_end");
  return Graph(be_, g);
}

void Ops::graph_launch(const Graph &g) const {
  check(require(PLINTH_LATE_OP(graph_launch), "graph_launch")(be_.ctx, g.get()), "graph_launch");
}

Tensor Ops::empty(const Shape &shape, int32_t dtype) const {
  if (shape.empty() || shape.size() > PLINTH_MAX_DIMS)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "tensor rank must be 1.." + std::to_string(PLINTH_MAX_DIMS) +
                                          ", got " + shape_string(shape));
  plinth_tensor *t = nullptr;
  check(PLINTH_OP(tensor_new)(be_.ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t),
        "tensor_new");
  return Tensor::owned(be_, t);
}

Tensor Ops::zeros(const Shape &shape, int32_t dtype) const {
  Tensor t = empty(shape, dtype);
  fill_(t, 0.0f);
  return t;
}

Tensor Ops::from_host(const Shape &shape, int32_t dtype, const void *data) const {
  plinth_tensor *t = nullptr;
  check(PLINTH_OP(tensor_from_host)(be_.ctx, dtype, static_cast<int32_t>(shape.size()),
                                    shape.data(), data, 0, &t),
        "tensor_from_host");
  return Tensor::owned(be_, t);
}

Tensor Ops::from_host(const Shape &shape, const std::vector<float> &data) const {
  if (static_cast<int64_t>(data.size()) != shape_numel(shape))
    fail(PLINTH_ERR_INTERNAL, "host data does not match shape " + shape_string(shape));
  return from_host(shape, PLINTH_DTYPE_F32, data.data());
}

Tensor Ops::from_host(const Shape &shape, const std::vector<int32_t> &data) const {
  if (static_cast<int64_t>(data.size()) != shape_numel(shape))
    fail(PLINTH_ERR_INTERNAL, "host data does not match shape " + shape_string(shape));
  return from_host(shape, PLINTH_DTYPE_I32, data.data());
}

Tensor Ops::view(const Tensor &x, const Shape &shape, int64_t offset) const {
  if (offset + shape_numel(shape) > x.numel())
    fail(PLINTH_ERR_INTERNAL, "view " + shape_string(shape) + " at " + std::to_string(offset) +
                                  " exceeds its source " + shape_string(x.shape()));
  plinth_tensor *t = nullptr;
  check(PLINTH_OP(tensor_view)(be_.ctx, x.get(), offset, static_cast<int32_t>(shape.size()),
                               shape.data(), &t),
        "tensor_view");
  return Tensor::owned(be_, t, x);
}

void Ops::write(const Tensor &dst, const void *data, size_t bytes, size_t offset_bytes) const {
  check(PLINTH_OP(write)(be_.ctx, dst.get(), data, bytes, offset_bytes), "write");
}

void Ops::read(const Tensor &src, void *data, size_t bytes, size_t offset_bytes) const {
  check(PLINTH_OP(read)(be_.ctx, src.get(), data, bytes, offset_bytes), "read");
}

std::vector<float> Ops::read_f32(const Tensor &src) const {
  if (src.dtype() != PLINTH_DTYPE_F32)
    fail(PLINTH_ERR_INTERNAL, "read_f32 on a tensor that is not f32");
  std::vector<float> out(static_cast<size_t>(src.numel()));
  read(src, out.data(), out.size() * sizeof(float));
  return out;
}

void Ops::synchronize() const {
  if (be_.ops->synchronize != nullptr) check(be_.ops->synchronize(be_.ctx), "synchronize");
}

void Ops::fill_(const Tensor &t, float value) const {
  check(PLINTH_OP(fill)(be_.ctx, t.get(), value), "fill");
}

Tensor Ops::copy(const Tensor &x, int32_t dtype) const {
  Tensor out = empty(x.shape(), dtype);
  check(PLINTH_OP(copy)(be_.ctx, x.get(), out.get()), "copy");
  return out;
}

Tensor Ops::permute(const Tensor &x, const std::vector<int32_t> &perm) const {
  if (static_cast<int32_t>(perm.size()) != x.ndim())
    fail(PLINTH_ERR_INTERNAL, "permute: rank mismatch");
  Shape shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    shape[i] = x.dim(perm[i]);
  Tensor out = empty(shape, x.dtype());
  check(PLINTH_OP(permute)(be_.ctx, x.get(), perm.data(), out.get()), "permute");
  return out;
}

Tensor Ops::slice(const Tensor &x, int32_t dim, int64_t start, int64_t length) const {
  if (dim < 0) dim += x.ndim();
  Shape shape = x.shape();
  shape[dim] = length;
  Tensor out = empty(shape, x.dtype());
  check(PLINTH_OP(slice)(be_.ctx, x.get(), dim, start, out.get()), "slice");
  return out;
}

void Ops::set_slice_(const Tensor &dst, int32_t dim, int64_t start, const Tensor &src) const {
  if (dim < 0) dim += dst.ndim();
  check(PLINTH_OP(set_slice)(be_.ctx, dst.get(), dim, start, src.get()), "set_slice");
}

Tensor Ops::get_rows(const Tensor &table, const Tensor &ids) const {
  Shape shape = ids.shape();
  shape.push_back(table.dim(-1));
  Tensor out = empty(shape);
  check(PLINTH_OP(get_rows)(be_.ctx, table.get(), ids.get(), out.get()), "get_rows");
  return out;
}

Tensor Ops::linear(const Tensor &x, const Tensor &w, const Tensor &bias) const {
  if (x.dim(-1) != w.dim(1))
    fail(PLINTH_ERR_FORMAT, "linear: input width " + std::to_string(x.dim(-1)) +
                                " does not match weight " + shape_string(w.shape()));
  Shape shape = x.shape();
  shape.back() = w.dim(0);
  Tensor out = empty(shape);
  check(PLINTH_OP(linear)(be_.ctx, x.get(), w.get(), bias ? bias.get() : nullptr, out.get()),
        "linear");
  return out;
}

Tensor Ops::matmul(const Tensor &a, const Tensor &b, bool trans_a, bool trans_b,
                   float alpha) const {
  const int n = a.ndim();
  Shape shape = a.ndim() >= b.ndim() ? a.shape() : b.shape();
  shape[shape.size() - 2] = trans_a ? a.dim(n - 1) : a.dim(n - 2);
  shape[shape.size() - 1] = trans_b ? b.dim(-2) : b.dim(-1);
  Tensor out = empty(shape);
  plinth_matmul_args args{};
  args.struct_size = sizeof(args);
  args.a = a.get();
  args.b = b.get();
  args.c = out.get();
  args.trans_a = trans_a ? 1 : 0;
  args.trans_b = trans_b ? 1 : 0;
  args.alpha = alpha;
  args.beta = 0.0f;
  check(PLINTH_OP(matmul)(be_.ctx, &args), "matmul");
  return out;
}

Tensor Ops::linear_indexed(const Tensor &x, const Tensor &w, const Tensor &ids) const {
  Shape shape = x.shape();
  shape.back() = w.dim(1);
  Tensor y = empty(shape);
  check(PLINTH_OP(linear_indexed)(be_.ctx, x.get(), w.get(), ids.get(), y.get()), "linear_indexed");
  return y;
}

Tensor Ops::unary(int32_t op, const Tensor &x) const {
  Tensor out = empty(x.shape());
  check(PLINTH_OP(unary)(be_.ctx, op, x.get(), out.get()), "unary");
  return out;
}

void Ops::unary_(int32_t op, const Tensor &x) const {
  check(PLINTH_OP(unary)(be_.ctx, op, x.get(), x.get()), "unary");
}

Tensor Ops::binary(int32_t op, const Tensor &a, const Tensor &b) const {
  Tensor out = empty(a.shape());
  check(PLINTH_OP(binary)(be_.ctx, op, a.get(), b.get(), out.get()), "binary");
  return out;
}

void Ops::binary_(int32_t op, const Tensor &a, const Tensor &b) const {
  check(PLINTH_OP(binary)(be_.ctx, op, a.get(), b.get(), a.get()), "binary");
}

Tensor Ops::affine(const Tensor &x, float alpha, float beta) const {
  Tensor out = empty(x.shape());
  check(PLINTH_OP(affine)(be_.ctx, x.get(), alpha, beta, out.get()), "affine");
  return out;
}

void Ops::affine_(const Tensor &x, float alpha, float beta) const {
  check(PLINTH_OP(affine)(be_.ctx, x.get(), alpha, beta, x.get()), "affine");
}

Tensor Ops::layer_norm(const Tensor &x, const Tensor &weight, const Tensor &bias, float eps) const {
  Tensor out = empty(x.shape());
  check(PLINTH_OP(layer_norm)(be_.ctx, x.get(), weight ? weight.get() : nullptr,
                              bias ? bias.get() : nullptr, eps, out.get()),
        "layer_norm");
  return out;
}

Tensor Ops::rms_norm(const Tensor &x, const Tensor &weight, float eps) const {
  Tensor out = empty(x.shape());
  check(PLINTH_OP(rms_norm)(be_.ctx, x.get(), weight ? weight.get() : nullptr, eps, out.get()),
        "rms_norm");
  return out;
}

Tensor Ops::softmax(const Tensor &x) const {
  Tensor out = empty(x.shape());
  check(PLINTH_OP(softmax)(be_.ctx, x.get(), out.get()), "softmax");
  return out;
}

Tensor Ops::reduce(int32_t op, const Tensor &x) const {
  Shape shape = x.shape();
  shape.back() = 1;
  Tensor out = empty(shape);
  check(PLINTH_OP(reduce)(be_.ctx, op, x.get(), out.get()), "reduce");
  return out;
}

TopK Ops::topk(const Tensor &x, int32_t k) const {
  Shape shape = x.shape();
  shape.back() = k;
  TopK out;
  out.values = empty(shape);
  out.indices = empty(shape, PLINTH_DTYPE_I32);
  check(PLINTH_OP(topk)(be_.ctx, x.get(), k, out.values.get(), out.indices.get()), "topk");
  return out;
}

void Ops::rope_(const Tensor &x, const Tensor &positions, const RopeOptions &opts) const {
  plinth_rope_args args{};
  args.struct_size = sizeof(args);
  args.x = x.get();
  args.positions = positions.get();
  args.out = x.get();
  args.theta = opts.theta;
  args.rot_dims = opts.rot_dims > 0 ? opts.rot_dims : static_cast<int32_t>(x.dim(-1));
  args.neox = opts.neox ? 1 : 0;
  args.inv_freq = opts.inv_freq ? opts.inv_freq.get() : nullptr;
  args.attention_factor = opts.attention_factor;
  check(PLINTH_OP(rope)(be_.ctx, &args), "rope");
}

Tensor Ops::attention(const Tensor &q, const Tensor &k, const Tensor &v,
                      const AttentionOptions &opts) const {
  Tensor out = empty({q.dim(0), q.dim(1), q.dim(2), v.dim(3)});
  plinth_attention_args args{};
  args.struct_size = sizeof(args);
  args.q = q.get();
  args.k = k.get();
  args.v = v.get();
  args.out = out.get();
  args.kv_len = opts.kv_len;
  args.q_offset = opts.q_offset;
  args.scale = opts.scale;
  args.causal = opts.causal ? 1 : 0;
  args.window = opts.window;
  args.key_mask = opts.key_mask ? opts.key_mask.get() : nullptr;
  args.bias = opts.bias ? opts.bias.get() : nullptr;
  args.probs = opts.probs ? opts.probs.get() : nullptr;
  args.kv_len_dev = opts.kv_len_dev ? opts.kv_len_dev.get() : nullptr;
  args.q_offset_dev = opts.q_offset_dev ? opts.q_offset_dev.get() : nullptr;
  check(PLINTH_OP(attention)(be_.ctx, &args), "attention");
  return out;
}

Tensor Ops::conv1d_depthwise(const Tensor &x, const Tensor &kernel, int64_t center) const {
  // conv1d_depthwise was appended to plinth_backend_ops: a backend built against an older
  // header hands a shorter table, which must not be read past its end.
  const auto conv = require(PLINTH_LATE_OP(conv1d_depthwise), "conv1d_depthwise");
  Tensor out = empty(x.shape());
  check(conv(be_.ctx, x.get(), kernel.get(), center, out.get()), "conv1d_depthwise");
  return out;
}

} // namespace plinth::plugin
