// The launchers: plain C++ declarations of everything the .cu files provide, so the host-side
// op code (validation, dispatch) compiles with the ordinary C++ compiler and never includes a
// GPU header. Every launcher enqueues on `stream` and returns at once; a launch failure
// throws OpError(PLINTH_ERR_BACKEND). Pointers are device addresses.
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace plinth::gpu {

// ------------------------------------------------------------------ runtime (device_api.cu)
int device_count() noexcept; // 0 when the runtime, the driver or a device is missing
// Why the last device_count() found nothing ("" when it found devices): the runtime's error
// (e.g. a driver older than the runtime this plugin was built with) or that it found none.
const char *device_count_error() noexcept;
struct DeviceInfo {
  std::string name;
  size_t total_memory = 0;
  int major = 0, minor = 0;
  int runtime_version = 0, driver_version = 0;
  size_t smem_per_block_optin = 0; // dynamic shared memory a block may use after the opt-in
  int multiprocessors = 0;
};
DeviceInfo device_info(int index);
void set_device(int index);
// Makes `index` the calling thread's current device (the runtime's current device is per
// host thread, and a context may be used from any thread). Cheap when it already is.
void use_device(int index);
const char *api_name(); // "CUDA" or "HIP"
void *stream_create();
void stream_destroy(void *stream) noexcept;
void stream_sync(void *stream);
void *device_alloc(size_t bytes); // nullptr when the device is out of memory
void device_free(void *p) noexcept;
void copy_h2d(void *dst, const void *src, size_t bytes, void *stream);
void copy_d2h(void *dst, const void *src, size_t bytes, void *stream);
void copy_d2d(void *dst, const void *src, size_t bytes, void *stream);
void memset_async(void *dst, int value, size_t bytes, void *stream);
// Graph capture of the stream (relaxed mode: allocations may happen meanwhile; host transfers
// and waits must not). end_capture instantiates the graph and returns the executable one.
void stream_begin_capture(void *stream);
void *stream_end_capture(void *stream);
void graph_exec_launch(void *exec, void *stream);
void graph_exec_destroy(void *exec) noexcept;

// ------------------------------------------------------------------ data movement
// n elements of esize (1, 2, 4 or 8) bytes each set to the low esize bytes of `pattern`.
void launch_fill(void *p, int64_t n, int esize, uint64_t pattern, void *stream);
// Element conversion between f32, f16, bf16 and i32 (src and dst dtypes differ).
void launch_convert(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype, int64_t n,
                    void *stream);
// n elements (a multiple of 32) of Q8_0/Q4_0 blocks to f32.
void launch_dequantize(const void *src, int32_t qdtype, float *dst, int64_t n, void *stream);
// Output-ordered 4-D permute: in_stride[i] is the input stride of output dim i (elements).
struct Permute4 {
  int64_t out_shape[4];
  int64_t in_stride[4];
};
void launch_permute(const void *x, void *y, int esize, const Permute4 &p, void *stream);
// `rows` rows of row_bytes each, from src + r * src_pitch to dst + r * dst_pitch (bytes):
// slice, set_slice and every other strided block copy.
void launch_copy_rows(const void *src, int64_t src_pitch, void *dst, int64_t dst_pitch,
                      int64_t row_bytes, int64_t rows, void *stream);
// The same with dst moved by *start * start_bytes, *start read on the device (set_slice_dev).
// A start outside [0, starts) copies nothing and is recorded as a device error.
void launch_copy_rows_at(const void *src, int64_t src_pitch, void *dst, int64_t dst_pitch,
                         int64_t row_bytes, int64_t rows, const int32_t *start, int64_t start_bytes,
                         int64_t starts, DeviceErrorRecord *err, void *stream);
// out[i, :] = table[ids[i], :] (converted to f32 when out_dtype is f32 and the table is not,
// copied as raw bytes when the dtypes match). An id outside [0, rows) gives a zero row and a
// device error record.
void launch_get_rows(const void *table, int32_t table_dtype, int64_t rows, int64_t d,
                     const int32_t *ids, int64_t n, void *out, int32_t out_dtype,
                     DeviceErrorRecord *err, void *stream);

// ------------------------------------------------------------------ dense math
// The project's own GEMM, used by the HIP build for everything and by the CUDA build for
// quantized weights (and whenever cuBLAS is unavailable):
//   C[z][m, n] = alpha * sum_k A[z][m, k] * B[z][n, k] + beta * C[z][m, n] + bias[n]
// A is f32 addressed as A + m * a_sm + k * a_sk (elements); B is f32/f16/bf16 addressed the
// same way with (b_sn, b_sk), or Q8_0/Q4_0 with b_sn = bytes per row (k contiguous).
// Batch z splits as (z / batch1, z % batch1); the a_bs/c_bs strides are in elements, the b_bs
// strides in bytes. With `order` set (mixture of experts), z is the expert and its rows are
// order[offsets[z] .. offsets[z + 1]): A and C rows are addressed by those row numbers.
struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const float *A = nullptr;
  int64_t a_sm = 0, a_sk = 1;
  const void *B = nullptr;
  int32_t b_dtype = PLINTH_DTYPE_F32;
  int64_t b_sn = 0, b_sk = 1;
  float *C = nullptr;
  int64_t ldc = 0;
  float alpha = 1.0f, beta = 0.0f;
  const void *bias = nullptr; // optional, N elements of bias_dtype
  int32_t bias_dtype = PLINTH_DTYPE_F32;
  int64_t batches = 1, batch1 = 1;
  int64_t a_bs[2] = {0, 0}, b_bs[2] = {0, 0}, c_bs = 0;
  const int32_t *offsets = nullptr, *order = nullptr;
};
void launch_gemm(const GemmArgs &g, void *stream);

// Decode-time product for a few activation rows: y[m, n] = x[m, :] . w[n, :] (+ bias[n]) for
// m < M (M <= kGemvMaxRows), reading every weight once. With expert_ids set, row m instead
// uses expert ids[m] of a [E, N, K] weight (expert_bytes apart), any M.
constexpr int64_t kGemvMaxRows = 8;
struct GemvArgs {
  const float *x = nullptr;
  int64_t M = 0, K = 0, N = 0;
  const void *w = nullptr;
  int32_t w_dtype = PLINTH_DTYPE_F32;
  int64_t row_bytes = 0;
  const void *bias = nullptr;
  int32_t bias_dtype = PLINTH_DTYPE_F32;
  float *y = nullptr;
  const int32_t *expert_ids = nullptr;
  int64_t experts = 0, expert_bytes = 0;
  DeviceErrorRecord *err = nullptr;
};
void launch_gemv(const GemvArgs &g, void *stream);

// Mixture-of-experts grouping on the device: offsets[E + 1] (rows per expert, prefix summed)
// and order[M] (row numbers grouped by expert). Rows with an id outside [0, E) join no group
// and are recorded as a device error.
void launch_moe_group(const int32_t *ids, int64_t M, int64_t E, int32_t *offsets, int32_t *order,
                      DeviceErrorRecord *err, void *stream);

// y[m, n] += bias[n]
void launch_add_bias(float *y, int64_t M, int64_t N, const void *bias, int32_t bias_dtype,
                     void *stream);

// ------------------------------------------------------------------ elementwise
void launch_unary(int32_t op, const float *x, float *y, int64_t n, void *stream);
// a and out have `shape` (padded to 4-D at the front); b element = b[sum i_d * bstride[d]].
struct Broadcast4 {
  int64_t shape[4];
  int64_t bstride[4];
};
void launch_binary(int32_t op, const float *a, const float *b, float *out, const Broadcast4 &bc,
                   void *stream);
void launch_affine(const float *x, float *y, int64_t n, float alpha, float beta, void *stream);

// ------------------------------------------------------------------ rows (last dim)
// weight / bias may be NULL; any of f32, f16, bf16.
void launch_layer_norm(const float *x, const void *w, int32_t w_dtype, const void *b,
                       int32_t b_dtype, float eps, float *y, int64_t rows, int64_t width,
                       void *stream);
void launch_rms_norm(const float *x, const void *w, int32_t w_dtype, float eps, float *y,
                     int64_t rows, int64_t width, void *stream);
// torch_order: torch's CPU rounding order (torch_order.cuh) instead of tree sums.
void launch_softmax(const float *x, float *y, int64_t rows, int64_t width, bool torch_order,
                    void *stream);
void launch_reduce(int32_t op, const float *x, float *y, int64_t rows, int64_t width, void *stream);
void launch_argmax(const float *x, int32_t *y, int64_t rows, int64_t width, void *stream);
void launch_topk(const float *x, int32_t k, float *values, int32_t *indices, int64_t rows,
                 int64_t width, void *stream);

// ------------------------------------------------------------------ sequence ops
struct RopeArgs {
  const float *x = nullptr;
  float *y = nullptr;
  const int32_t *positions = nullptr; // [B * T]
  const void *inv_freq = nullptr;     // rot / 2 elements of inv_dtype
  int32_t inv_dtype = PLINTH_DTYPE_F32;
  int64_t BT = 0, H = 0, D = 0, rot = 0;
  int32_t neox = 1;
  float factor = 1.0f;
};
void launch_rope(const RopeArgs &a, void *stream);

struct AttentionArgs {
  const float *q = nullptr, *k = nullptr, *v = nullptr;
  float *out = nullptr;
  int64_t B = 0, Tq = 0, Tk = 0, Hq = 0, Hkv = 0, D = 0, Dv = 0;
  int64_t kv_len = 0, q_offset = 0;
  // Optional device scalars read when the kernels run: they replace kv_len (which is then
  // their upper bound) and q_offset. Out-of-range values are clamped and recorded in err.
  const int32_t *kv_len_dev = nullptr, *q_offset_dev = nullptr;
  DeviceErrorRecord *err = nullptr;
  float scale = 1.0f;
  int32_t causal = 0;
  int64_t window = 0;
  const int32_t *key_mask = nullptr; // [B, Tk]
  const float *bias = nullptr;       // [B|1, Hq|1, Tq, Tk]
  int64_t bias_bs = 0, bias_hs = 0;  // batch / head strides of bias (0 when broadcast)
  float *probs = nullptr;            // [B, Hq, Tq, Tk]
  float *row_stats = nullptr;        // scratch: 2 floats (max, sum) per (b, h, query)
  // Row (decode) kernel only: keys split into `splits` chunks, each block writing
  // (max, sum, acc[Dv]) to `partial` (B * Hq * Tq * splits * (Dv + 2) floats) before a combine.
  float *partial = nullptr;
  int32_t splits = 1;
};
// The plan (which kernel, launch shape, scratch) comes from plan_attention (launch_plan.hpp).
struct AttentionPlan;
void launch_attention(const AttentionArgs &a, const AttentionPlan &plan, void *stream);

void launch_conv1d_depthwise(const float *x, const void *kernel, int32_t k_dtype, int64_t B,
                             int64_t T, int64_t C, int64_t L, int64_t center, float *y,
                             void *stream);

} // namespace plinth::gpu
