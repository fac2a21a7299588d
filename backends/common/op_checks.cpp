#include "op_checks.hpp"

#include <algorithm>
#include <sstream>

namespace plinth::backend {
namespace {

bool is_quantized(int32_t dtype) {
  return dtype == PLINTH_DTYPE_Q8_0 || dtype == PLINTH_DTYPE_Q4_0;
}

// Bytes of n consecutive elements (for Q8_0/Q4_0: n a multiple of PLINTH_QBLOCK).
size_t elems_bytes(int32_t dtype, int64_t n) {
  if (!is_quantized(dtype)) return static_cast<size_t>(n) * dtype_size(dtype);
  const size_t block = dtype == PLINTH_DTYPE_Q8_0 ? 2 + PLINTH_QBLOCK : 2 + PLINTH_QBLOCK / 2;
  return static_cast<size_t>(n / PLINTH_QBLOCK) * block;
}

} // namespace

void fail(const std::string &message, plinth_status status) { throw OpError{status, message}; }

plinth_status report(const plinth_host_api *host, plinth_status status,
                     const std::string &message) {
  if (host && host->struct_size >= offsetof(plinth_host_api, set_error) + sizeof(void *) &&
      host->set_error)
    host->set_error(status, message.c_str());
  return status;
}

size_t dtype_size(int32_t dtype) {
  switch (dtype) {
  case PLINTH_DTYPE_F32:
  case PLINTH_DTYPE_I32: return 4;
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16:
  case PLINTH_DTYPE_I16: return 2;
  case PLINTH_DTYPE_I64:
  case PLINTH_DTYPE_F64: return 8;
  case PLINTH_DTYPE_U8:
  case PLINTH_DTYPE_I8:
  case PLINTH_DTYPE_BOOL: return 1;
  default: return 0;
  }
}

bool known_dtype(int32_t dtype) { return dtype_size(dtype) != 0 || is_quantized(dtype); }

const char *dtype_name(int32_t dtype) {
  static const char *const names[] = {"f32", "f16", "bf16", "i32", "i64",  "u8",
                                      "i8",  "f64", "bool", "i16", "q8_0", "q4_0"};
  static_assert(sizeof(names) / sizeof(names[0]) == PLINTH_DTYPE_COUNT_);
  if (dtype >= 0 && dtype < PLINTH_DTYPE_COUNT_) return names[dtype];
  return "dtype?";
}

int64_t shape_numel(int32_t ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i)
    n *= shape[i];
  return n;
}

int64_t numel(const plinth_tensor *t) { return shape_numel(t->ndim, t->shape); }

size_t nbytes(const plinth_tensor *t) { return elems_bytes(t->dtype, numel(t)); }

std::string shape_str(int32_t ndim, const int64_t *shape) {
  std::ostringstream s;
  s << '[';
  for (int32_t i = 0; i < ndim; ++i)
    s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

std::string describe(const char *name, const plinth_tensor *t) {
  if (!t) return std::string(name) + " NULL";
  return std::string(name) + " " + shape_str(std::clamp(t->ndim, 0, PLINTH_MAX_DIMS), t->shape) +
         " " + dtype_name(t->dtype);
}

int64_t last_dim(const plinth_tensor *t) { return t->ndim ? t->shape[t->ndim - 1] : 1; }

bool same_shape(const plinth_tensor *a, const plinth_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int32_t i = 0; i < a->ndim; ++i)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

void check_tensor(const plinth_tensor *t, const char *name) {
  if (!t) fail(std::string(name) + " is NULL");
  size_t storage = 0;
  if (!kTensorOwner.storage_bytes(t, &storage))
    fail(std::string(name) + " is not a " + kTensorOwner.kind +
         " backend tensor (foreign or freed handle)");
  if (t->ndim < 0 || t->ndim > PLINTH_MAX_DIMS)
    fail(std::string(name) + " has ndim " + std::to_string(t->ndim));
  if (!known_dtype(t->dtype))
    fail(std::string(name) + " has unknown dtype " + std::to_string(t->dtype));
  for (int32_t i = 0; i < t->ndim; ++i)
    if (t->shape[i] < 0) fail(describe(name, t) + " has a negative dimension");
  if (is_quantized(t->dtype) && (t->ndim == 0 || last_dim(t) % PLINTH_QBLOCK != 0))
    fail(describe(name, t) + ": the last dim of a block-quantized tensor must be a multiple of " +
         std::to_string(PLINTH_QBLOCK));
  if (nbytes(t) > storage)
    fail(describe(name, t) + " is larger than its storage (shape changed after creation?)");
}

void check_new_shape(int32_t dtype, int32_t ndim, const int64_t *shape) {
  if (!known_dtype(dtype)) fail("unknown dtype " + std::to_string(dtype));
  if (ndim < 0 || ndim > PLINTH_MAX_DIMS)
    fail("ndim " + std::to_string(ndim) + " outside [0, " + std::to_string(PLINTH_MAX_DIMS) + "]");
  if (ndim > 0 && !shape) fail("shape is NULL");
  int64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i) {
    if (shape[i] < 0) fail("shape " + shape_str(ndim, shape) + " has a negative dimension");
    if (shape[i] != 0 && n > (int64_t{1} << 50) / shape[i])
      fail("shape " + shape_str(ndim, shape) + " is too large");
    n *= shape[i];
  }
  if (is_quantized(dtype) && (ndim == 0 || shape[ndim - 1] % PLINTH_QBLOCK != 0))
    fail("shape " + shape_str(ndim, shape) + ": the last dim of a " + dtype_name(dtype) +
         " tensor must be a multiple of " + std::to_string(PLINTH_QBLOCK));
}

size_t check_view(const plinth_tensor *src, int64_t offset, int32_t ndim, const int64_t *shape) {
  check_tensor(src, "src");
  check_new_shape(src->dtype, ndim, shape);
  size_t storage = 0;
  kTensorOwner.storage_bytes(src, &storage);
  const int64_t n = shape_numel(ndim, shape);
  if (is_quantized(src->dtype) && offset % PLINTH_QBLOCK != 0)
    fail("view offset " + std::to_string(offset) + " into " + describe("src", src) +
         " is not on a block boundary");
  if (offset < 0 || elems_bytes(src->dtype, offset + n) > storage)
    fail("view " + shape_str(ndim, shape) + " at offset " + std::to_string(offset) +
         " does not fit in " + describe("src", src));
  return elems_bytes(src->dtype, offset);
}

void check_range(const plinth_tensor *t, const char *name, size_t bytes, size_t offset) {
  const size_t total = nbytes(t);
  if (offset > total || bytes > total - offset)
    fail(std::to_string(bytes) + " bytes at offset " + std::to_string(offset) + " exceed " +
         describe(name, t) + " (" + std::to_string(total) + " bytes)");
}

void check_f32(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32) fail(describe(name, t) + ": expected f32");
}

void check_i32(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_I32) fail(describe(name, t) + ": expected i32");
}

void check_float_any(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32 && t->dtype != PLINTH_DTYPE_F16 && t->dtype != PLINTH_DTYPE_BF16)
    fail(describe(name, t) + ": expected f32, f16 or bf16");
}

void check_weight(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32 && t->dtype != PLINTH_DTYPE_F16 &&
      t->dtype != PLINTH_DTYPE_BF16 && !is_quantized(t->dtype))
    fail(describe(name, t) + ": expected f32, f16, bf16, q8_0 or q4_0");
}

void check_not_quantized(const plinth_tensor *t, const char *name, const char *op) {
  if (is_quantized(t->dtype))
    fail(describe(name, t) + ": " + op + " does not support block-quantized tensors",
         PLINTH_ERR_UNSUPPORTED);
}

void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn) {
  if (!same_shape(a, b)) fail(describe(an, a) + " and " + describe(bn, b) + ": shapes differ");
}

void check_param(const plinth_tensor *t, const char *name, int64_t n, const char *what) {
  check_float_any(t, name);
  if (numel(t) != n)
    fail(describe(name, t) + ": expected " + std::to_string(n) + " elements (" + what + ")");
}

Split split_at(const plinth_tensor *t, int32_t d) {
  Split s;
  for (int32_t i = 0; i < t->ndim; ++i) {
    if (i < d)
      s.outer *= t->shape[i];
    else if (i == d)
      s.dim = t->shape[i];
    else
      s.inner *= t->shape[i];
  }
  return s;
}

void check_4d(const plinth_tensor *t, const char *name, const char *layout) {
  if (t->ndim != 4) fail(describe(name, t) + ": expected " + layout);
}

void check_narrow(const plinth_tensor *whole, const char *wn, const plinth_tensor *part,
                  const char *pn, int32_t dim, int64_t start) {
  if (whole->dtype != part->dtype)
    fail(describe(wn, whole) + " and " + describe(pn, part) + ": dtypes differ");
  if (whole->ndim != part->ndim)
    fail(describe(wn, whole) + " and " + describe(pn, part) + ": ranks differ");
  if (dim < 0 || dim >= whole->ndim)
    fail("dim " + std::to_string(dim) + " out of range for " + describe(wn, whole));
  for (int32_t i = 0; i < whole->ndim; ++i)
    if (i != dim && whole->shape[i] != part->shape[i])
      fail(describe(wn, whole) + " and " + describe(pn, part) + ": dim " + std::to_string(i) +
           " differs");
  if (start < 0 || start + part->shape[dim] > whole->shape[dim])
    fail("range [" + std::to_string(start) + ", " + std::to_string(start + part->shape[dim]) +
         ") along dim " + std::to_string(dim) + " outside " + describe(wn, whole));
}

void check_permute(const plinth_tensor *x, const int32_t *perm, const plinth_tensor *out) {
  check_tensor(x, "x");
  check_tensor(out, "out");
  check_not_quantized(x, "x", "permute");
  if (!perm) fail("perm is NULL");
  const int32_t nd = x->ndim;
  std::string perm_text = "(";
  for (int32_t i = 0; i < nd; ++i)
    perm_text += (i ? ", " : "") + std::to_string(perm[i]);
  perm_text += ")";
  if (out->ndim != nd || out->dtype != x->dtype)
    fail(describe("x", x) + " and " + describe("out", out) + ": rank or dtype differs");
  if (out->data == x->data && numel(x) > 1) fail("out may not alias x");
  unsigned seen = 0;
  for (int32_t i = 0; i < nd; ++i) {
    if (perm[i] < 0 || perm[i] >= nd || (seen >> perm[i] & 1u))
      fail("perm " + perm_text + " is not a permutation of " + std::to_string(nd) + " dims");
    seen |= 1u << perm[i];
    if (out->shape[i] != x->shape[perm[i]])
      fail(describe("out", out) + " is not " + describe("x", x) + " permuted by " + perm_text);
  }
}

void check_slice(const char *op, const plinth_tensor *whole, const char *wn,
                 const plinth_tensor *part, const char *pn, int32_t dim, int64_t start,
                 bool whole_rows_of_blocks) {
  check_tensor(whole, wn);
  check_tensor(part, pn);
  // A backend that copies whole rows of a block-quantized tensor (narrowing a dim before the
  // last) says so; narrowing the last dim would cut blocks.
  if (!whole_rows_of_blocks || (is_quantized(whole->dtype) && dim == whole->ndim - 1))
    check_not_quantized(whole, wn, op);
  check_narrow(whole, wn, part, pn, dim, start);
}

size_t narrow_unit_bytes(const plinth_tensor *whole, int32_t dim) {
  return elems_bytes(whole->dtype, split_at(whole, dim).inner);
}

void check_i32_scalar(const plinth_tensor *t, const char *name) {
  check_i32(t, name);
  if (numel(t) != 1) fail(describe(name, t) + ": expected one element");
}

int64_t check_slice_dev(const plinth_tensor *whole, const plinth_tensor *part, int32_t dim,
                        const plinth_tensor *start_i32) {
  check_slice("set_slice_dev", whole, "dst", part, "src", dim, 0);
  check_i32_scalar(start_i32, "start");
  return whole->shape[dim] - part->shape[dim] + 1;
}

void check_get_rows(const plinth_tensor *table, const plinth_tensor *ids,
                    const plinth_tensor *out) {
  check_tensor(table, "table");
  check_i32(ids, "ids");
  check_tensor(out, "out");
  if (table->ndim != 2) fail(describe("table", table) + ": expected [rows, D]");
  if (out->dtype != PLINTH_DTYPE_F32 && out->dtype != table->dtype)
    fail(describe("out", out) + ": expected f32 or the table's dtype");
  if (out->dtype != table->dtype) check_weight(table, "table");
  const int64_t d = table->shape[1], n = numel(ids);
  if (last_dim(out) != d || numel(out) != n * d)
    fail(describe("out", out) + " is not " + describe("ids", ids) + " + [" + std::to_string(d) +
         "] for " + describe("table", table));
}

BroadcastShape check_binary(int32_t op, const plinth_tensor *a, const plinth_tensor *b,
                            const plinth_tensor *out) {
  check_f32(a, "a");
  check_f32(b, "b");
  check_f32(out, "out");
  check_same_shape(a, "a", out, "out");
  if (op < PLINTH_BINARY_ADD || op > PLINTH_BINARY_MIN)
    fail("unknown binary op " + std::to_string(op));
  // Messages are built only on failure: these checks run for every op of every token.
  const auto pair = [&] { return describe("a", a) + " and " + describe("b", b); };
  // b's dims, right-aligned to a's: each 1 or equal; extra leading dims of b must be 1.
  BroadcastShape s;
  for (int32_t i = 0; i < b->ndim - a->ndim; ++i)
    if (b->shape[i] != 1) fail(pair() + ": b does not broadcast to a");
  int64_t st = 1;
  for (int32_t i = 1; i <= a->ndim; ++i) {
    const int64_t ad = a->shape[a->ndim - i];
    const int32_t bi = b->ndim - i;
    const int64_t bd = bi >= 0 ? b->shape[bi] : 1;
    if (bd != 1 && bd != ad)
      fail(pair() + ": b does not broadcast to a (dim " + std::to_string(a->ndim - i) + ")");
    s.shape[4 - i] = ad;
    s.bstride[4 - i] = (bd == 1) ? 0 : st;
    st *= bd;
  }
  if (b->data == out->data && !same_shape(a, b) && numel(out) > 0)
    fail(pair() + ": out may alias b only when shapes match");
  return s;
}

Rows rows_of(const plinth_tensor *t) {
  // Product of the leading dims: stays right when the last dim is 0.
  return {t->ndim ? shape_numel(t->ndim - 1, t->shape) : 1, last_dim(t)};
}

void check_per_row(const plinth_tensor *x, const plinth_tensor *out, const char *name,
                   int64_t per_row) {
  const Rows r = rows_of(x);
  bool ok = numel(out) == r.count * per_row;
  if (ok && per_row != 1) ok = last_dim(out) == per_row;
  if (!ok)
    fail(describe(name, out) + " does not hold " + std::to_string(per_row) +
         " value(s) per row of " + describe("x", x));
}

Rows check_rowwise(const plinth_tensor *x, const plinth_tensor *weight, const plinth_tensor *bias,
                   const plinth_tensor *out) {
  check_f32(x, "x");
  check_f32(out, "out");
  check_same_shape(x, "x", out, "out");
  const Rows r = rows_of(x);
  if (weight) check_param(weight, "weight", r.width, "last dim of x");
  if (bias) check_param(bias, "bias", r.width, "last dim of x");
  return r;
}

Rows check_reduce(int32_t op, const plinth_tensor *x, const plinth_tensor *out) {
  check_f32(x, "x");
  check_f32(out, "out");
  check_per_row(x, out, "out", 1);
  if (op < PLINTH_REDUCE_SUM || op > PLINTH_REDUCE_MIN)
    fail("unknown reduce op " + std::to_string(op));
  return rows_of(x);
}

Rows check_argmax(const plinth_tensor *x, const plinth_tensor *out_i32) {
  check_f32(x, "x");
  check_i32(out_i32, "out");
  check_per_row(x, out_i32, "out", 1);
  const Rows r = rows_of(x);
  if (r.width == 0 && r.count > 0) fail(describe("x", x) + ": empty rows have no argmax");
  return r;
}

Rows check_topk(const plinth_tensor *x, int32_t k, const plinth_tensor *values,
                const plinth_tensor *indices_i32) {
  check_f32(x, "x");
  const Rows r = rows_of(x);
  if (k < 0 || k > r.width)
    fail("k = " + std::to_string(k) + " outside [0, " + std::to_string(r.width) + "] for " +
         describe("x", x));
  if (!values && !indices_i32) fail("values and indices are both NULL");
  if (values) {
    check_f32(values, "values");
    check_per_row(x, values, "values", k);
  }
  if (indices_i32) {
    check_i32(indices_i32, "indices");
    check_per_row(x, indices_i32, "indices", k);
  }
  return r;
}

LinearShape check_linear(const plinth_tensor *x, const plinth_tensor *w, const plinth_tensor *y) {
  check_f32(x, "x");
  check_weight(w, "w");
  check_f32(y, "y");
  if (w->ndim != 2) fail(describe("w", w) + ": expected [out_features, in_features]");
  LinearShape s;
  s.N = w->shape[0], s.K = w->shape[1];
  if (x->ndim < 1 || last_dim(x) != s.K)
    fail(describe("x", x) + " and " + describe("w", w) + ": in_features differ");
  // Rows = product of the leading dims (well defined even when K == 0).
  s.M = shape_numel(x->ndim - 1, x->shape);
  if (y->ndim < 1 || last_dim(y) != s.N || numel(y) != s.M * s.N)
    fail(describe("y", y) + " does not fit " + describe("x", x) + " @ " + describe("w", w) + "^T");
  if (y->data == x->data && s.M * s.N > 0) fail("y may not alias x");
  return s;
}

LinearShape check_linear_indexed(const plinth_tensor *x, const plinth_tensor *w,
                                 const plinth_tensor *ids, const plinth_tensor *y) {
  check_f32(x, "x");
  check_weight(w, "w");
  check_i32(ids, "ids");
  check_f32(y, "y");
  if (w->ndim != 3) fail(describe("w", w) + ": expected [experts, out_features, in_features]");
  LinearShape s;
  s.E = w->shape[0], s.N = w->shape[1], s.K = w->shape[2];
  if (x->ndim < 1 || last_dim(x) != s.K || s.K == 0)
    fail(describe("x", x) + " and " + describe("w", w) + ": in_features differ");
  s.M = numel(x) / s.K;
  if (numel(ids) != s.M)
    fail(describe("ids", ids) + " needs one expert per row of " + describe("x", x));
  if (y->ndim < 1 || last_dim(y) != s.N || numel(y) != s.M * s.N)
    fail(describe("y", y) + " does not fit " + describe("x", x) + " and " + describe("w", w));
  if (y->data == x->data) fail("y may not alias x");
  return s;
}

MatmulShape check_matmul(const plinth_matmul_args *args) {
  if (!args) fail("args is NULL");
  if (args->struct_size < offsetof(plinth_matmul_args, beta) + sizeof(float))
    fail("args.struct_size " + std::to_string(args->struct_size) + " too small");
  const plinth_tensor *a = args->a, *b = args->b, *c = args->c;
  check_f32(a, "a");
  check_f32(b, "b");
  check_f32(c, "c");
  if (a->ndim < 2 || b->ndim < 2 || c->ndim < 2)
    fail(describe("a", a) + ", " + describe("b", b) + ", " + describe("c", c) +
         ": each needs at least 2 dims");
  MatmulShape s;
  s.ta = args->trans_a != 0;
  s.tb = args->trans_b != 0;
  s.a0 = a->shape[a->ndim - 2];
  s.a1 = a->shape[a->ndim - 1];
  s.b0 = b->shape[b->ndim - 2];
  s.b1 = b->shape[b->ndim - 1];
  s.M = s.ta ? s.a1 : s.a0;
  s.K = s.ta ? s.a0 : s.a1;
  const int64_t Kb = s.tb ? s.b1 : s.b0;
  s.N = s.tb ? s.b0 : s.b1;
  const auto all = [&] {
    return describe("a", a) + (s.ta ? "^T" : "") + " @ " + describe("b", b) + (s.tb ? "^T" : "") +
           " -> " + describe("c", c);
  };
  if (s.K != Kb)
    fail(all() + ": inner dims differ (" + std::to_string(s.K) + " vs " + std::to_string(Kb) + ")");
  if (c->shape[c->ndim - 2] != s.M || c->shape[c->ndim - 1] != s.N)
    fail(all() + ": c must end in [" + std::to_string(s.M) + ", " + std::to_string(s.N) + "]");
  if (c->data == a->data || c->data == b->data) fail(all() + ": c may not alias an input");
  // Batch dims aligned at the right; c's are the full batch shape, a's and b's are 1 or
  // equal. Strides of broadcast dims are 0.
  const int32_t cb = c->ndim - 2;
  if (a->ndim - 2 > cb || b->ndim - 2 > cb) fail(all() + ": an input has more batch dims than c");
  int64_t as = s.a0 * s.a1, bs = s.b0 * s.b1;
  for (int32_t i = 0; i < cb; ++i) { // i counts batch dims from the right
    const int64_t cdim = c->shape[cb - 1 - i];
    const int32_t ai = a->ndim - 3 - i, bi = b->ndim - 3 - i;
    const int64_t adim = ai >= 0 ? a->shape[ai] : 1, bdim = bi >= 0 ? b->shape[bi] : 1;
    if ((adim != 1 && adim != cdim) || (bdim != 1 && bdim != cdim))
      fail(all() + ": batch dims do not broadcast");
    s.batch_shape[1 - i] = cdim;
    s.a_bs[1 - i] = adim == 1 ? 0 : as;
    s.b_bs[1 - i] = bdim == 1 ? 0 : bs;
    as *= adim;
    bs *= bdim;
  }
  return s;
}

RopeShape check_rope(const plinth_rope_args *args) {
  if (!args) fail("args is NULL");
  if (args->struct_size < offsetof(plinth_rope_args, neox) + sizeof(int32_t))
    fail("args.struct_size " + std::to_string(args->struct_size) + " too small");
  const plinth_tensor *x = args->x, *pos = args->positions, *out = args->out;
  check_f32(x, "x");
  check_i32(pos, "positions");
  check_f32(out, "out");
  check_4d(x, "x", "[B, T, H, D]");
  check_same_shape(x, "x", out, "out");
  RopeShape s;
  s.B = x->shape[0], s.T = x->shape[1], s.H = x->shape[2], s.D = x->shape[3];
  if (numel(pos) != s.B * s.T)
    fail(describe("positions", pos) + " does not match " + describe("x", x) + ": expected [B, T]");
  s.rot = args->rot_dims;
  if (s.rot <= 0 || s.rot > s.D || s.rot % 2)
    fail("rot_dims " + std::to_string(s.rot) + " must be even and in (0, " + std::to_string(s.D) +
         "] for " + describe("x", x));
  s.inv_freq = PLINTH_HAS_FIELD(args, plinth_rope_args, inv_freq) ? args->inv_freq : nullptr;
  s.factor =
      PLINTH_HAS_FIELD(args, plinth_rope_args, attention_factor) ? args->attention_factor : 1.0f;
  // A zero factor would erase the input; it only arises from a zero-initialised args struct
  // that left the field unset, so it means the plain 1.0.
  if (s.factor == 0.0f) s.factor = 1.0f;
  if (s.inv_freq)
    check_param(s.inv_freq, "inv_freq", s.rot / 2, "rot_dims / 2");
  else if (!(args->theta > 0.0f))
    fail("theta " + std::to_string(args->theta) + " must be positive");
  return s;
}

AttentionShape check_attention(const plinth_attention_args *args) {
  if (!args) fail("args is NULL");
  if (args->struct_size < offsetof(plinth_attention_args, window) + sizeof(int32_t))
    fail("args.struct_size " + std::to_string(args->struct_size) + " too small");
  const plinth_tensor *q = args->q, *k = args->k, *v = args->v, *out = args->out;
  check_f32(q, "q");
  check_f32(k, "k");
  check_f32(v, "v");
  check_f32(out, "out");
  check_4d(q, "q", "[B, Tq, Hq, D]");
  check_4d(k, "k", "[B, Tk, Hkv, D]");
  check_4d(v, "v", "[B, Tk, Hkv, Dv]");
  check_4d(out, "out", "[B, Tq, Hq, Dv]");
  AttentionShape s;
  const int64_t B = q->shape[0], Tq = q->shape[1], Hq = q->shape[2], D = q->shape[3];
  const int64_t Tk = k->shape[1], Hkv = k->shape[2], Dv = v->shape[3];
  s.B = B, s.Tq = Tq, s.Hq = Hq, s.D = D, s.Tk = Tk, s.Hkv = Hkv, s.Dv = Dv;
  const auto all = [&] {
    return describe("q", q) + ", " + describe("k", k) + ", " + describe("v", v);
  };
  if (k->shape[0] != B || k->shape[3] != D) fail(all() + ": k must be [B, Tk, Hkv, D]");
  if (v->shape[0] != B || v->shape[1] != Tk || v->shape[2] != Hkv)
    fail(all() + ": v must be [B, Tk, Hkv, Dv]");
  if (Hkv == 0 || Hq % Hkv != 0) fail(all() + ": Hq must be a multiple of Hkv");
  if (out->shape[0] != B || out->shape[1] != Tq || out->shape[2] != Hq || out->shape[3] != Dv)
    fail(describe("out", out) + " must be [B, Tq, Hq, Dv] for " + all());
  if (out->data == q->data || out->data == k->data || out->data == v->data)
    fail("out may not alias q, k or v");
  s.kv_len = args->kv_len == 0 ? Tk : args->kv_len;
  if (s.kv_len < 0 || s.kv_len > Tk)
    fail("kv_len " + std::to_string(args->kv_len) + " outside [0, " + std::to_string(Tk) +
         "] for " + all());
  const bool has_ext = PLINTH_HAS_FIELD(args, plinth_attention_args, probs);
  s.mask = has_ext ? args->key_mask : nullptr;
  s.bias = has_ext ? args->bias : nullptr;
  s.probs = has_ext ? args->probs : nullptr;
  if (s.mask) {
    check_i32(s.mask, "key_mask");
    if (s.mask->ndim != 2 || s.mask->shape[0] != B || s.mask->shape[1] != Tk)
      fail(describe("key_mask", s.mask) + " must be [B, Tk] for " + all());
  }
  if (const plinth_tensor *bias = s.bias) {
    check_f32(bias, "bias");
    check_4d(bias, "bias", "[B|1, Hq|1, Tq, Tk]");
    if ((bias->shape[0] != B && bias->shape[0] != 1) ||
        (bias->shape[1] != Hq && bias->shape[1] != 1) || bias->shape[2] != Tq ||
        bias->shape[3] != Tk)
      fail(describe("bias", bias) + " must be [B|1, Hq|1, Tq, Tk] for " + all());
  }
  if (PLINTH_HAS_FIELD(args, plinth_attention_args, q_offset_dev)) {
    s.kv_len_dev = args->kv_len_dev;
    s.q_offset_dev = args->q_offset_dev;
    if (s.kv_len_dev) check_i32_scalar(s.kv_len_dev, "kv_len_dev");
    if (s.q_offset_dev) check_i32_scalar(s.q_offset_dev, "q_offset_dev");
  }
  if (const plinth_tensor *probs = s.probs) {
    check_f32(probs, "probs");
    check_4d(probs, "probs", "[B, Hq, Tq, Tk]");
    if (probs->shape[0] != B || probs->shape[1] != Hq || probs->shape[2] != Tq ||
        probs->shape[3] != Tk)
      fail(describe("probs", probs) + " must be [B, Hq, Tq, Tk] for " + all());
  }
  return s;
}

Conv1dShape check_conv1d_depthwise(const plinth_tensor *x, const plinth_tensor *kernel,
                                   const plinth_tensor *out) {
  check_f32(x, "x");
  check_float_any(kernel, "kernel");
  check_f32(out, "out");
  if (x->ndim != 3) fail(describe("x", x) + ": expected [B, T, C]");
  check_same_shape(x, "x", out, "out");
  if (out->data == x->data && numel(x) > 0) fail("out may not alias x");
  Conv1dShape s;
  s.B = x->shape[0], s.T = x->shape[1], s.C = x->shape[2];
  if (kernel->ndim != 2 || kernel->shape[0] != s.C)
    fail(describe("kernel", kernel) + " must be [C, L] for " + describe("x", x));
  s.L = kernel->shape[1];
  return s;
}

} // namespace plinth::backend
