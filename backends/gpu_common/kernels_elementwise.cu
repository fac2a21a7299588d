// unary, broadcasting binary and affine over f32. The formulas are the CPU backend's (torch's
// float32 definitions) using the accurate libm-style device functions (erff, tanhf, expf,
// log1pf), never the fast intrinsics, so results agree to rounding.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }
__device__ __forceinline__ float relu(float v) { return v > 0.0f ? v : (isnan(v) ? v : 0.0f); }

template <int OP> __device__ __forceinline__ float unary_op(float v) {
  if constexpr (OP == PLINTH_UNARY_GELU)
    return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
  else if constexpr (OP == PLINTH_UNARY_GELU_TANH)
    return 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
  else if constexpr (OP == PLINTH_UNARY_SILU)
    return v / (1.0f + expf(-v));
  else if constexpr (OP == PLINTH_UNARY_RELU)
    return relu(v);
  else if constexpr (OP == PLINTH_UNARY_TANH)
    return tanhf(v);
  else if constexpr (OP == PLINTH_UNARY_SIGMOID)
    return sigmoid(v);
  else if constexpr (OP == PLINTH_UNARY_EXP)
    return expf(v);
  else if constexpr (OP == PLINTH_UNARY_NEG)
    return -v;
  else if constexpr (OP == PLINTH_UNARY_SQUARE)
    return v * v;
  else if constexpr (OP == PLINTH_UNARY_SQRT)
    return sqrtf(v);
  else if constexpr (OP == PLINTH_UNARY_RELU2) {
    const float r = relu(v);
    return r * r;
  } else if constexpr (OP == PLINTH_UNARY_QUICK_GELU)
    return v * sigmoid(1.702f * v);
  else if constexpr (OP == PLINTH_UNARY_ABS)
    return fabsf(v);
  else if constexpr (OP == PLINTH_UNARY_RECIPROCAL)
    return 1.0f / v;
  else
    return v > 20.0f ? v : log1pf(expf(v)); // softplus: torch's beta 1, threshold 20
}

template <int OP> __global__ void unary_kernel(const float *x, float *y, int64_t n) {
  for (int64_t i = global_index(); i < n; i += global_stride())
    y[i] = unary_op<OP>(x[i]);
}

template <int OP> __device__ __forceinline__ float binary_op(float a, float b) {
  if constexpr (OP == PLINTH_BINARY_ADD)
    return a + b;
  else if constexpr (OP == PLINTH_BINARY_SUB)
    return a - b;
  else if constexpr (OP == PLINTH_BINARY_MUL)
    return a * b;
  else if constexpr (OP == PLINTH_BINARY_DIV)
    return a / b;
  else if constexpr (OP == PLINTH_BINARY_MAX)
    return (a > b || isnan(a)) ? a : b;
  else
    return (a < b || isnan(a)) ? a : b;
}

template <int OP>
__global__ void binary_kernel(const float *a, const float *b, float *out, Broadcast4 bc,
                              int64_t n) {
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    int64_t rem = i, bi = 0;
    for (int d = 3; d >= 0; --d) {
      bi += (rem % bc.shape[d]) * bc.bstride[d];
      rem /= bc.shape[d];
    }
    out[i] = binary_op<OP>(a[i], b[bi]);
  }
}

__global__ void affine_kernel(const float *x, float *y, int64_t n, float alpha, float beta) {
  for (int64_t i = global_index(); i < n; i += global_stride())
    y[i] = alpha * x[i] + beta;
}

template <int OP> void unary_as(const float *x, float *y, int64_t n, gpuStream_t s) {
  launch_kernel("unary_kernel", unary_kernel<OP>, grid_for(n, kBlock), kBlock, 0, s, x, y, n);
}

template <int OP>
void binary_as(const float *a, const float *b, float *out, const Broadcast4 &bc, int64_t n,
               gpuStream_t s) {
  launch_kernel("binary_kernel", binary_kernel<OP>, grid_for(n, kBlock), kBlock, 0, s, a, b, out,
                bc, n);
}

} // namespace

void launch_unary(int32_t op, const float *x, float *y, int64_t n, void *stream) {
  if (n <= 0) return;
  gpuStream_t s = as_stream(stream);
  switch (op) {
  case PLINTH_UNARY_GELU: unary_as<PLINTH_UNARY_GELU>(x, y, n, s); break;
  case PLINTH_UNARY_GELU_TANH: unary_as<PLINTH_UNARY_GELU_TANH>(x, y, n, s); break;
  case PLINTH_UNARY_SILU: unary_as<PLINTH_UNARY_SILU>(x, y, n, s); break;
  case PLINTH_UNARY_RELU: unary_as<PLINTH_UNARY_RELU>(x, y, n, s); break;
  case PLINTH_UNARY_TANH: unary_as<PLINTH_UNARY_TANH>(x, y, n, s); break;
  case PLINTH_UNARY_SIGMOID: unary_as<PLINTH_UNARY_SIGMOID>(x, y, n, s); break;
  case PLINTH_UNARY_EXP: unary_as<PLINTH_UNARY_EXP>(x, y, n, s); break;
  case PLINTH_UNARY_NEG: unary_as<PLINTH_UNARY_NEG>(x, y, n, s); break;
  case PLINTH_UNARY_SQUARE: unary_as<PLINTH_UNARY_SQUARE>(x, y, n, s); break;
  case PLINTH_UNARY_SQRT: unary_as<PLINTH_UNARY_SQRT>(x, y, n, s); break;
  case PLINTH_UNARY_RELU2: unary_as<PLINTH_UNARY_RELU2>(x, y, n, s); break;
  case PLINTH_UNARY_QUICK_GELU: unary_as<PLINTH_UNARY_QUICK_GELU>(x, y, n, s); break;
  case PLINTH_UNARY_ABS: unary_as<PLINTH_UNARY_ABS>(x, y, n, s); break;
  case PLINTH_UNARY_RECIPROCAL: unary_as<PLINTH_UNARY_RECIPROCAL>(x, y, n, s); break;
  case PLINTH_UNARY_SOFTPLUS: unary_as<PLINTH_UNARY_SOFTPLUS>(x, y, n, s); break;
  default: fail("unknown unary op " + std::to_string(op));
  }
  check_launch("unary");
}

void launch_binary(int32_t op, const float *a, const float *b, float *out, const Broadcast4 &bc,
                   void *stream) {
  const int64_t n = bc.shape[0] * bc.shape[1] * bc.shape[2] * bc.shape[3];
  if (n <= 0) return;
  gpuStream_t s = as_stream(stream);
  switch (op) {
  case PLINTH_BINARY_ADD: binary_as<PLINTH_BINARY_ADD>(a, b, out, bc, n, s); break;
  case PLINTH_BINARY_SUB: binary_as<PLINTH_BINARY_SUB>(a, b, out, bc, n, s); break;
  case PLINTH_BINARY_MUL: binary_as<PLINTH_BINARY_MUL>(a, b, out, bc, n, s); break;
  case PLINTH_BINARY_DIV: binary_as<PLINTH_BINARY_DIV>(a, b, out, bc, n, s); break;
  case PLINTH_BINARY_MAX: binary_as<PLINTH_BINARY_MAX>(a, b, out, bc, n, s); break;
  case PLINTH_BINARY_MIN: binary_as<PLINTH_BINARY_MIN>(a, b, out, bc, n, s); break;
  default: fail("unknown binary op " + std::to_string(op));
  }
  check_launch("binary");
}

void launch_affine(const float *x, float *y, int64_t n, float alpha, float beta, void *stream) {
  if (n <= 0) return;
  launch_kernel("affine_kernel", affine_kernel, grid_for(n, kBlock), kBlock, 0, as_stream(stream),
                x, y, n, alpha, beta);
  check_launch("affine");
}

} // namespace plinth::gpu
