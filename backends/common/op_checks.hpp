// Argument validation shared by the backend plugins (cpu, cuda, hip): dtype and shape
// bookkeeping, the checks every op makes before touching memory, and the C-edge plumbing
// that turns a failed check into a plinth_status with a "<backend>.<op>: ..." message.
// Device-independent: nothing here reads tensor data. Each backend links its own copy.
#pragma once

#include "plinth_plugin.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>

// The args structs are append-only: a field past struct_size was not provided by the caller.
#define PLINTH_HAS_FIELD(args, type, field)                                                        \
  ((args)->struct_size >= offsetof(type, field) + sizeof((args)->field))

namespace plinth::backend {

// Thrown by validation inside an op, caught by guarded() at the C edge.
struct OpError {
  plinth_status status;
  std::string message;
};

[[noreturn]] void fail(const std::string &message,
                       plinth_status status = PLINTH_ERR_INVALID_ARGUMENT);

// Passes the message to host->set_error when the host table is new enough to contain it.
plinth_status report(const plinth_host_api *host, plinth_status status, const std::string &message);

// Runs body() and maps every failure to a status reported as "<backend>.<op>: <message>",
// so that no exception crosses the C ABI. `oom` is the message for std::bad_alloc.
template <class F>
plinth_status guarded(const plinth_host_api *host, const char *backend, const char *oom,
                      const char *op, bool has_ctx, F &&body) {
  const auto prefix = [&] { return std::string(backend) + "." + op + ": "; };
  try {
    if (!has_ctx) fail("NULL backend context");
    body();
    return PLINTH_OK;
  } catch (const OpError &e) {
    return report(host, e.status, prefix() + e.message);
  } catch (const std::bad_alloc &) {
    return report(host, PLINTH_ERR_OUT_OF_MEMORY, prefix() + oom);
  } catch (const std::exception &e) {
    return report(host, PLINTH_ERR_INTERNAL, prefix() + e.what());
  } catch (...) {
    return report(host, PLINTH_ERR_INTERNAL, prefix() + "unknown failure");
  }
}

// How check_tensor() recognises the linking backend's own tensors. Each backend defines
// kTensorOwner once (its TensorMeta layout stays its own).
struct TensorOwner {
  const char *kind; // in "x is not a <kind> backend tensor (foreign or freed handle)"
  // False for a foreign or freed handle; otherwise sets *bytes to the memory addressable
  // from t->data.
  bool (*storage_bytes)(const plinth_tensor *t, size_t *bytes);
};
extern const TensorOwner kTensorOwner;

size_t dtype_size(int32_t dtype); // 0 for an unknown or block-quantized dtype
bool known_dtype(int32_t dtype);  // element dtypes and the block-quantized ones
const char *dtype_name(int32_t dtype);
int64_t shape_numel(int32_t ndim, const int64_t *shape);
int64_t numel(const plinth_tensor *t);
size_t nbytes(const plinth_tensor *t);
std::string shape_str(int32_t ndim, const int64_t *shape);
// "x [2, 3] f32" — the form every error message uses.
std::string describe(const char *name, const plinth_tensor *t);
int64_t last_dim(const plinth_tensor *t); // 1 for a 0-d tensor
bool same_shape(const plinth_tensor *a, const plinth_tensor *b);

// Validation helpers; each fails with a message naming the argument.
void check_tensor(const plinth_tensor *t, const char *name);
void check_f32(const plinth_tensor *t, const char *name);
void check_i32(const plinth_tensor *t, const char *name);
// Weight-like tensor: f32, f16 or bf16.
void check_float_any(const plinth_tensor *t, const char *name);
// A weight matrix for linear / linear_indexed / get_rows: f32, f16, bf16, Q8_0 or Q4_0.
void check_weight(const plinth_tensor *t, const char *name);
// Fails (unsupported) for Q8_0/Q4_0 tensors, in ops that address single elements.
void check_not_quantized(const plinth_tensor *t, const char *name, const char *op);
void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn);
// A 1-D parameter (norm weight, bias, inv_freq, conv kernel): f32/f16/bf16 with n elements.
void check_param(const plinth_tensor *t, const char *name, int64_t n, const char *what);

// ---- tensor creation and host transfers

// A handle for a new tensor of the given dtype and shape (already checked), with a fresh
// backend Meta in backend_data and no data yet.
template <class Meta>
plinth_tensor *make_tensor(int32_t dtype, int32_t ndim, const int64_t *shape) {
  auto t = std::make_unique<plinth_tensor>();
  t->dtype = dtype;
  t->ndim = ndim;
  for (int32_t i = 0; i < PLINTH_MAX_DIMS; ++i)
    t->shape[i] = i < ndim ? shape[i] : 0;
  t->data = nullptr;
  t->backend_data = new Meta();
  return t.release();
}

// The dtype and shape of a tensor about to be created (tensor_new, tensor_from_host, views).
void check_new_shape(int32_t dtype, int32_t ndim, const int64_t *shape);
// tensor_view's arguments: a view of `shape` at element `offset` fits in src's storage.
// Returns the bytes of src's storage before the view.
size_t check_view(const plinth_tensor *src, int64_t offset, int32_t ndim, const int64_t *shape);
// write / read: `bytes` at byte `offset` lie within t.
void check_range(const plinth_tensor *t, const char *name, size_t bytes, size_t offset);

// tensor_view: a handle aliasing src's storage from element `offset` on, checked by
// check_view(). Meta is the backend's TensorMeta (with `bytes`: addressable from data).
template <class Meta>
plinth_tensor *make_view(const plinth_tensor *src, int64_t offset, int32_t ndim,
                         const int64_t *shape) {
  const size_t skip = check_view(src, offset, ndim, shape);
  const auto *src_meta = static_cast<const Meta *>(src->backend_data);
  plinth_tensor *t = make_tensor<Meta>(src->dtype, ndim, shape);
  static_cast<Meta *>(t->backend_data)->bytes = src_meta->bytes - skip;
  t->data = static_cast<char *>(src->data) + skip;
  return t;
}

// ---- per-op argument checks

// A tensor seen as [outer, dim, inner] around dimension d.
struct Split {
  int64_t outer = 1, dim = 1, inner = 1;
};
Split split_at(const plinth_tensor *t, int32_t d);
void check_4d(const plinth_tensor *t, const char *name, const char *layout);
// Checks that `part` equals `whole` narrowed along `dim` at `start` (slice / set_slice).
void check_narrow(const plinth_tensor *whole, const char *wn, const plinth_tensor *part,
                  const char *pn, int32_t dim, int64_t start);

// permute's arguments: out is x with its dims reordered by perm (a permutation of x's dims).
void check_permute(const plinth_tensor *x, const int32_t *perm, const plinth_tensor *out);
// slice / set_slice: `part` is `whole` narrowed along `dim` at `start`, neither quantized, or
// with whole_rows_of_blocks, quantized ones narrowed along a dim before the last (whole rows).
void check_slice(const char *op, const plinth_tensor *whole, const char *wn,
                 const plinth_tensor *part, const char *pn, int32_t dim, int64_t start,
                 bool whole_rows_of_blocks = false);
// Bytes of one position along `dim` of `whole` (its inner elements): what slice / set_slice
// copy per position; for a block-quantized tensor narrowed before its last dim, whole rows.
size_t narrow_unit_bytes(const plinth_tensor *whole, int32_t dim);
// set_slice_dev's arguments: `part` fits `whole` along `dim` (checked at start 0; the start is
// read where the op runs) and start_i32 is one i32 element. Returns how many positions the
// start may take: whole.shape[dim] - part.shape[dim] + 1.
int64_t check_slice_dev(const plinth_tensor *whole, const plinth_tensor *part, int32_t dim,
                        const plinth_tensor *start_i32);
// A one-element i32 tensor holding a value an op reads where it runs (set_slice_dev's start,
// attention's kv_len_dev / q_offset_dev).
void check_i32_scalar(const plinth_tensor *t, const char *name);

// get_rows' arguments: table [rows, D], ids i32, out [*ids.shape, D] in f32 or the table's
// dtype. The ids themselves are not read.
void check_get_rows(const plinth_tensor *table, const plinth_tensor *ids, const plinth_tensor *out);

// binary's arguments: a, b and out f32, out shaped like a, b broadcasting to a (right-aligned,
// each dim 1 or equal), out aliasing b only when the shapes match. Returns a's shape padded to
// 4-D at the front and b's element strides along it (0 where b is broadcast).
struct BroadcastShape {
  std::array<int64_t, 4> shape{1, 1, 1, 1}, bstride{0, 0, 0, 0};
};
BroadcastShape check_binary(int32_t op, const plinth_tensor *a, const plinth_tensor *b,
                            const plinth_tensor *out);

// A tensor seen as rows along its last dim (the row-wise ops: norms, softmax, reductions).
struct Rows {
  int64_t count, width;
};
Rows rows_of(const plinth_tensor *t);
// out holds one value (or k values) per row of x: x's shape with the last dim 1/dropped/k.
void check_per_row(const plinth_tensor *x, const plinth_tensor *out, const char *name,
                   int64_t per_row);
// layer_norm / rms_norm / softmax: x and out f32 of one shape, the optional weight and bias
// f32/f16/bf16 with one element per column.
Rows check_rowwise(const plinth_tensor *x, const plinth_tensor *weight, const plinth_tensor *bias,
                   const plinth_tensor *out);
Rows check_reduce(int32_t op, const plinth_tensor *x, const plinth_tensor *out);
Rows check_argmax(const plinth_tensor *x, const plinth_tensor *out_i32);
// topk: 0 <= k <= width; values (f32) and/or indices (i32) with k values per row.
Rows check_topk(const plinth_tensor *x, int32_t k, const plinth_tensor *values,
                const plinth_tensor *indices_i32);

// linear's x [.., K], w [N, K] and y [.., N] (bias is the caller's: checked after the sizes),
// and linear_indexed's x [M, K], w [E, N, K], ids [M] and y [M, N]. The ids are not read.
struct LinearShape {
  int64_t M = 0, N = 0, K = 0, E = 1;
};
LinearShape check_linear(const plinth_tensor *x, const plinth_tensor *w, const plinth_tensor *y);
LinearShape check_linear_indexed(const plinth_tensor *x, const plinth_tensor *w,
                                 const plinth_tensor *ids, const plinth_tensor *y);

// matmul's arguments, validated: c = op(a) @ op(b) over up to two batch dims aligned at the
// right; c's are the full batch shape, a's and b's are 1 or equal (element stride 0 when 1).
struct MatmulShape {
  bool ta = false, tb = false;
  int64_t a0 = 0, a1 = 0, b0 = 0, b1 = 0; // the last two dims of a and b as stored
  int64_t M = 0, K = 0, N = 0;
  int64_t batch_shape[2] = {1, 1}, a_bs[2] = {0, 0}, b_bs[2] = {0, 0};
};
MatmulShape check_matmul(const plinth_matmul_args *args);

// rope's arguments, validated: x and out [B, T, H, D], positions [B, T] i32, rot_dims even
// in (0, D], and either inv_freq (rot_dims / 2 elements) or a positive theta.
struct RopeShape {
  int64_t B = 0, T = 0, H = 0, D = 0, rot = 0;
  const plinth_tensor *inv_freq = nullptr; // nullptr: computed from theta
  float factor = 1.0f;                     // attention_factor (0 or absent means 1)
};
RopeShape check_rope(const plinth_rope_args *args);

// attention's arguments, validated: q [B, Tq, Hq, D], k [B, Tk, Hkv, D], v [B, Tk, Hkv, Dv],
// out [B, Tq, Hq, Dv], and the optional key_mask [B, Tk], bias [B|1, Hq|1, Tq, Tk] and
// probs [B, Hq, Tq, Tk] (nullptr when absent or past struct_size), and the optional i32
// scalars kv_len_dev / q_offset_dev; with kv_len_dev, kv_len is the upper bound its value
// must respect (the backend reads the value where the op runs).
struct AttentionShape {
  int64_t B = 0, Tq = 0, Hq = 0, D = 0, Tk = 0, Hkv = 0, Dv = 0, kv_len = 0;
  const plinth_tensor *mask = nullptr, *bias = nullptr;
  plinth_tensor *probs = nullptr;
  const plinth_tensor *kv_len_dev = nullptr, *q_offset_dev = nullptr;
};
AttentionShape check_attention(const plinth_attention_args *args);

// conv1d_depthwise's x and out [B, T, C] f32 (not aliased) and kernel [C, L] f32/f16/bf16.
struct Conv1dShape {
  int64_t B = 0, T = 0, C = 0, L = 0;
};
Conv1dShape check_conv1d_depthwise(const plinth_tensor *x, const plinth_tensor *kernel,
                                   const plinth_tensor *out);

} // namespace plinth::backend
