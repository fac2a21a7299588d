// Ops: the backend op table with C++ ergonomics. Every method allocates its output (or works
// in place where the method name ends in '_'), and throws PluginError when the backend
// reports a failure or lacks the op. Model code calls only these; it never touches device
// memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor.hpp"

namespace plinth::plugin {

struct AttentionOptions {
  float scale = 1.0f;
  bool causal = false;
  int32_t window = 0;   // sliding window including self; <= 0: none
  int64_t kv_len = 0;   // key slots in use; 0: all
  int64_t q_offset = 0; // slot index of query 0
  Tensor key_mask;      // optional [B, Tk] i32
  Tensor bias;          // optional additive [B|1, Hq|1, Tq, Tk]
  Tensor probs;         // optional output [B, Hq, Tq, Tk]
  // Optional i32 [1] on the backend, read where the op runs (Ops::has_device_slots()): they
  // override kv_len / q_offset, and kv_len becomes their upper bound (0: all Tk).
  Tensor kv_len_dev, q_offset_dev;
};

// A recorded step (backend graph capture), freed with its backend when the last handle goes.
class Graph {
public:
  Graph() = default;
  Graph(Backend be, plinth_graph *g);
  explicit operator bool() const noexcept { return holder_ != nullptr; }
  plinth_graph *get() const noexcept;

private:
  struct Holder;
  std::shared_ptr<Holder> holder_;
};

struct TopK {
  Tensor values;  // f32 [..., k], descending
  Tensor indices; // i32 [..., k]
};

struct RopeOptions {
  float theta = 10000.0f;
  int32_t rot_dims = 0; // 0: the whole head
  bool neox = true;
  Tensor inv_freq; // optional f32 [rot_dims / 2]
  float attention_factor = 1.0f;
};

class Ops {
public:
  Ops() = default;
  Ops(const plinth_backend_ops *ops, plinth_backend_ctx *ctx) : be_{ops, ctx} {}

  Backend backend() const noexcept { return be_; }

  // Whether the backend reads positions from backend tensors where the ops run
  // (set_slice_dev, attention's kv_len_dev / q_offset_dev): a step then needs no host value
  // baked into its ops. Checked against the table's struct_size (older backends lack it).
  bool has_device_slots() const noexcept;
  // Whether the backend records and replays ops (graph_begin .. graph_free all present).
  bool has_graphs() const noexcept;

  // memory
  Tensor empty(const Shape &shape, int32_t dtype = PLINTH_DTYPE_F32) const;
  Tensor zeros(const Shape &shape, int32_t dtype = PLINTH_DTYPE_F32) const;
  Tensor from_host(const Shape &shape, int32_t dtype, const void *data) const;
  Tensor from_host(const Shape &shape, const std::vector<float> &data) const;
  Tensor from_host(const Shape &shape, const std::vector<int32_t> &data) const;
  // A view sharing x's storage (x stays alive as long as the view).
  Tensor view(const Tensor &x, const Shape &shape, int64_t offset = 0) const;
  void write(const Tensor &dst, const void *data, size_t bytes, size_t offset_bytes = 0) const;
  void read(const Tensor &src, void *data, size_t bytes, size_t offset_bytes = 0) const;
  std::vector<float> read_f32(const Tensor &src) const;
  void synchronize() const;

  // data movement
  void fill_(const Tensor &t, float value) const;
  Tensor copy(const Tensor &x, int32_t dtype = PLINTH_DTYPE_F32) const;
  Tensor permute(const Tensor &x, const std::vector<int32_t> &perm) const;
  Tensor slice(const Tensor &x, int32_t dim, int64_t start, int64_t length) const;
  void set_slice_(const Tensor &dst, int32_t dim, int64_t start, const Tensor &src) const;
  // The same with the start read from `start` (i32 [1] on the backend) where the op runs.
  void set_slice_dev_(const Tensor &dst, int32_t dim, const Tensor &start, const Tensor &src) const;
  Tensor get_rows(const Tensor &table, const Tensor &ids) const;

  // dense math
  Tensor linear(const Tensor &x, const Tensor &w, const Tensor &bias = {}) const;
  Tensor matmul(const Tensor &a, const Tensor &b, bool trans_a = false, bool trans_b = false,
                float alpha = 1.0f) const;
  // Mixture of experts: y[m, :] = x[m, :] @ w[ids[m]]^T for w [E, N, K] and ids i32 with one
  // entry per row of x.
  Tensor linear_indexed(const Tensor &x, const Tensor &w, const Tensor &ids) const;

  // elementwise
  Tensor unary(int32_t op, const Tensor &x) const;
  void unary_(int32_t op, const Tensor &x) const;
  Tensor binary(int32_t op, const Tensor &a, const Tensor &b) const;
  void binary_(int32_t op, const Tensor &a, const Tensor &b) const; // a = a op b
  Tensor add(const Tensor &a, const Tensor &b) const { return binary(PLINTH_BINARY_ADD, a, b); }
  Tensor mul(const Tensor &a, const Tensor &b) const { return binary(PLINTH_BINARY_MUL, a, b); }
  void add_(const Tensor &a, const Tensor &b) const { binary_(PLINTH_BINARY_ADD, a, b); }
  void mul_(const Tensor &a, const Tensor &b) const { binary_(PLINTH_BINARY_MUL, a, b); }
  Tensor affine(const Tensor &x, float alpha, float beta) const;
  void affine_(const Tensor &x, float alpha, float beta) const;

  // normalisation and reductions over the last dim
  Tensor layer_norm(const Tensor &x, const Tensor &weight, const Tensor &bias, float eps) const;
  Tensor rms_norm(const Tensor &x, const Tensor &weight, float eps) const;
  Tensor softmax(const Tensor &x) const;
  // Keeps the reduced last dim as 1.
  Tensor reduce(int32_t op, const Tensor &x) const;
  // The k largest entries along the last dim (ties: lower index first, as torch.topk on CPU).
  TopK topk(const Tensor &x, int32_t k) const;

  // sequence ops
  void rope_(const Tensor &x, const Tensor &positions, const RopeOptions &opts) const;
  Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v,
                   const AttentionOptions &opts) const;
  // Depthwise conv over time: x [B, T, C], kernel [C, L];
  // out[b, t, c] = sum_l kernel[c, l] * x[b, t + l - center, c] (zero outside [0, T)).
  Tensor conv1d_depthwise(const Tensor &x, const Tensor &kernel, int64_t center) const;

  // Graph capture (has_graphs()): ops between graph_begin() and graph_end() are recorded, not
  // run (abi/plinth_plugin.h, graph_begin); graph_launch() replays them. graph_end() must
  // follow every graph_begin(), also when recording failed half-way.
  void graph_begin() const;
  Graph graph_end() const;
  void graph_launch(const Graph &g) const;

private:
  Backend be_;
};

} // namespace plinth::plugin
