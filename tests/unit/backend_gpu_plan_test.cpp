// The host-side decisions of the GPU backends, checked without a GPU: launch grids within the
// hardware limits at real model sizes, the attention kernel choice, and how linear / matmul /
// linear_indexed map onto the vendor BLAS (column-major, cuBLAS semantics) and onto the own
// GEMM kernel's addressing (GemmArgs). The mappings are run here by plain reference loops
// that follow each interface's documented semantics and compared with the CPU backend, so a
// wrong transpose, leading dimension or batch stride fails on every machine, long before the
// code meets a GPU.
#include "../../backends/gpu_common/dense_plan.hpp"
#include "../../backends/gpu_common/launch_plan.hpp"

#include "plinth_plugin.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host);

namespace {

using namespace plinth::gpu;

// ------------------------------------------------------------------ launch shapes

TEST(GpuLaunchPlan, GridHelpersStayWithinLimits) {
  EXPECT_EQ(grid_for(0, 256), 1u);
  EXPECT_EQ(grid_for(257, 256), 2u);
  EXPECT_EQ(grid_for(int64_t{1} << 40, 256), 65535u * 8); // the grid-stride loop does the rest
  EXPECT_EQ(row_block_threads(1), 32);
  EXPECT_EQ(row_block_threads(100), 128);
  EXPECT_EQ(row_block_threads(32000), 256);
  EXPECT_EQ(row_grid(int64_t{1} << 40), int64_t{1} << 30);

  // Mistral-7B's LM head for a 512-token prompt, and a batch-16 ESM-650M FFN.
  Grid3 g = gemm_grid(512, 32000, 1);
  EXPECT_EQ(g.x, 500);
  EXPECT_EQ(g.y, 8);
  EXPECT_TRUE(grid_ok(g));
  g = gemm_grid(16 * 512, 5120, 1);
  EXPECT_EQ(g.y, 128);
  EXPECT_TRUE(grid_ok(g));
  // Rows and batches past the y / z limits are looped over inside the kernel.
  g = gemm_grid(int64_t{64} * 70000, 64, 100000);
  EXPECT_EQ(g.y, 65535);
  EXPECT_EQ(g.z, 65535);
  EXPECT_TRUE(grid_ok(g));
  EXPECT_FALSE(grid_ok(gemm_grid(1, int64_t{64} << 31, 1)));

  // 16-byte weight loads need every row (and expert) to start 16-byte aligned.
  EXPECT_TRUE(gemv_vector_loads(PLINTH_DTYPE_F16, 0x7f0000000000, 4096 * 2, 0));
  EXPECT_TRUE(gemv_vector_loads(PLINTH_DTYPE_F32, 0x7f0000000000, 100 * 4, 0));
  EXPECT_FALSE(gemv_vector_loads(PLINTH_DTYPE_F16, 0x7f0000000000, 100 * 2, 0));
  EXPECT_FALSE(gemv_vector_loads(PLINTH_DTYPE_F16, 0x7f0000000008, 4096 * 2, 0)); // a view
  EXPECT_FALSE(gemv_vector_loads(PLINTH_DTYPE_BF16, 0x7f0000000000, 4096 * 2, 40 * 4096 * 2 + 8));
  EXPECT_FALSE(gemv_vector_loads(PLINTH_DTYPE_Q8_0, 0x7f0000000000, 4096 / 32 * 34, 0));
  g = gemv_grid(32000, 1);
  EXPECT_EQ(g.x, 8000);
  EXPECT_EQ(g.y, 1);
  EXPECT_TRUE(grid_ok(gemv_grid(14336, 8)));

  // KV-cache writes: [16, 512, 8, 128] f32 rows of 512 B into a 4096-slot cache.
  EXPECT_EQ(copy_unit(0x10000, 0x20000, 4096 * 8 * 128 * 4, 512 * 8 * 128 * 4, 512 * 8 * 128 * 4),
            16);
  EXPECT_EQ(copy_unit(0x10004, 0x20000, 64, 64, 64), 4);
  EXPECT_EQ(copy_unit(0x10000, 0x20000, 6, 6, 6), 2);
  EXPECT_EQ(copy_unit(0x10001, 0x20000, 64, 64, 64), 1);
  g = copy_rows_grid(1 << 20, 100000);
  EXPECT_EQ(g.x, 1024);
  EXPECT_EQ(g.y, 65535);
}

AttentionArgs attn(int64_t B, int64_t Tq, int64_t Tk, int64_t Hq, int64_t Hkv, int64_t D,
                   int64_t kv_len) {
  AttentionArgs a;
  a.B = B;
  a.Tq = Tq;
  a.Tk = Tk;
  a.Hq = Hq;
  a.Hkv = Hkv;
  a.D = D;
  a.Dv = D;
  a.kv_len = kv_len;
  return a;
}

constexpr size_t kH100OptIn = 227 * 1024;

TEST(GpuLaunchPlan, AttentionAtRealShapes) {
  // Mistral-7B decoding one token over a 4096-slot cache: flash-decoding splits.
  AttentionPlan p = plan_attention(attn(1, 1, 4096, 32, 8, 128, 4096), kDefaultSharedBytes);
  EXPECT_FALSE(p.tiled);
  EXPECT_EQ(p.splits, 16);
  EXPECT_EQ(p.grid.x, 1);
  EXPECT_EQ(p.grid.y, 32);
  EXPECT_EQ(p.grid.z, 16);
  EXPECT_EQ(p.scratch_floats, 32 * 16 * (128 + 2));
  EXPECT_LE(p.smem_bytes, kDefaultSharedBytes);
  EXPECT_EQ(p.unsupported, nullptr);
  // Early in the cache few keys: no split below 64 keys a chunk.
  EXPECT_EQ(plan_attention(attn(1, 1, 4096, 32, 8, 128, 100), kDefaultSharedBytes).splits, 1);
  // A batch of 16 rows already fills the GPU.
  EXPECT_EQ(plan_attention(attn(16, 1, 4096, 32, 8, 128, 4096), kDefaultSharedBytes).splits, 1);

  // A 512-token Mistral prompt and a batch-16 ESM-650M forward: the tiled kernel.
  p = plan_attention(attn(1, 512, 512, 32, 8, 128, 512), kDefaultSharedBytes);
  EXPECT_TRUE(p.tiled);
  EXPECT_EQ(p.smem_bytes, (16 * 128 + 32 * 129 + 32 * 128) * 4u);
  EXPECT_LE(p.smem_bytes, kDefaultSharedBytes);
  EXPECT_EQ(p.grid.x, 32);
  EXPECT_EQ(p.scratch_floats, 0);
  p = plan_attention(attn(16, 512, 512, 20, 20, 64, 512), kDefaultSharedBytes);
  EXPECT_TRUE(p.tiled);
  EXPECT_EQ(p.grid.x, 32);
  EXPECT_EQ(p.grid.y, 20);
  EXPECT_EQ(p.grid.z, 16);
  AttentionArgs with_probs = attn(16, 512, 512, 20, 20, 64, 512);
  float dummy = 0.0f;
  with_probs.probs = &dummy;
  EXPECT_EQ(plan_attention(with_probs, kDefaultSharedBytes).scratch_floats, 16 * 20 * 512 * 2);

  // Head dim 256: tiled only with the shared-memory opt-in (82 KiB), else the row kernel.
  p = plan_attention(attn(1, 64, 64, 8, 8, 256, 64), kDefaultSharedBytes);
  EXPECT_FALSE(p.tiled);
  EXPECT_EQ(p.splits, 1);
  p = plan_attention(attn(1, 64, 64, 8, 8, 256, 64), kH100OptIn);
  EXPECT_TRUE(p.tiled);
  EXPECT_GT(p.smem_bytes, kDefaultSharedBytes);
  EXPECT_LE(p.smem_bytes, kH100OptIn);
  // Beyond 256 the accumulators no longer fit: the row kernel, whatever the memory.
  EXPECT_FALSE(plan_attention(attn(1, 64, 64, 2, 1, 320, 64), kH100OptIn).tiled);
  // Heads too large even for the row kernel are refused before any launch.
  EXPECT_NE(plan_attention(attn(1, 1, 64, 2, 1, 4096, 64), kDefaultSharedBytes).unsupported,
            nullptr);

  // Many rows decoding: splits never push B * splits past the z limit.
  p = plan_attention(attn(40000, 1, 8192, 1, 1, 64, 8192), kDefaultSharedBytes);
  EXPECT_TRUE(grid_ok(p.grid));
  p = plan_attention(attn(20000, 1, 8192, 1, 1, 64, 8192), kDefaultSharedBytes);
  EXPECT_TRUE(grid_ok(p.grid));
  EXPECT_EQ(p.unsupported, nullptr);
  EXPECT_NE(plan_attention(attn(70000, 1, 64, 1, 1, 64, 64), kDefaultSharedBytes).unsupported,
            nullptr);
  EXPECT_NE(plan_attention(attn(1, 1, 64, 70000, 70000, 64, 64), kDefaultSharedBytes).unsupported,
            nullptr);
}

TEST(GpuLaunchPlan, ConversionChunks) {
  // Mistral-7B's LM head in f16: 64 MiB of f32 rows at a time.
  EXPECT_EQ(convert_chunk_rows(4096, 32000), 4096);
  EXPECT_EQ(convert_chunk_rows(4096, 1000), 1000);
  EXPECT_EQ(convert_chunk_rows(int64_t{1} << 30, 10), 1);
  EXPECT_EQ(convert_chunk_rows(0, 10), 10);
}

// ------------------------------------------------------------------ dense mappings

const plinth_host_api *host() {
  static const plinth_host_api h = [] {
    plinth_host_api x{};
    x.struct_size = sizeof x;
    x.abi_version = PLINTH_ABI_VERSION;
    return x;
  }();
  return &h;
}

// Reference semantics of a column-major strided-batched sgemm (cuBLAS / rocBLAS).
void column_major_sgemm(const ColumnMajorGemm &c) {
  for (int64_t b = 0; b < c.batch; ++b) {
    const float *A = c.first + b * c.stride_first, *B = c.second + b * c.stride_second;
    float *C = c.C + b * c.stride_c;
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double s = 0.0;
        for (int64_t l = 0; l < c.k; ++l) {
          const float a = c.trans_first ? A[l + i * c.ld_first] : A[i + l * c.ld_first];
          const float bb = c.trans_second ? B[j + l * c.ld_second] : B[l + j * c.ld_second];
          s += static_cast<double>(a) * bb;
        }
        float &out = C[i + j * c.ldc];
        const float v = c.alpha * static_cast<float>(s);
        out = c.beta == 0.0f ? v : v + c.beta * out; // beta 0: C is not read
      }
  }
}

// Reference semantics of GemmArgs (kernels.hpp) for f32 B, as kernels_gemm.cu addresses it.
void own_gemm(const GemmArgs &g) {
  for (int64_t z = 0; z < g.batches; ++z) {
    const int64_t z0 = z / g.batch1, z1 = z % g.batch1;
    const float *A = g.A + z0 * g.a_bs[0] + z1 * g.a_bs[1];
    const auto *B = reinterpret_cast<const float *>(static_cast<const char *>(g.B) +
                                                    z0 * g.b_bs[0] + z1 * g.b_bs[1]);
    float *C = g.C + z * g.c_bs;
    int64_t rows = g.M, base = 0;
    if (g.order) {
      base = g.offsets[z];
      rows = g.offsets[z + 1] - base;
    }
    for (int64_t m = 0; m < rows; ++m) {
      const int64_t row = g.order ? g.order[base + m] : m;
      for (int64_t n = 0; n < g.N; ++n) {
        double s = 0.0;
        for (int64_t k = 0; k < g.K; ++k)
          s += static_cast<double>(A[row * g.a_sm + k * g.a_sk]) * B[n * g.b_sn + k * g.b_sk];
        float v = g.alpha * static_cast<float>(s);
        if (g.beta != 0.0f) v += g.beta * C[row * g.ldc + n];
        if (g.bias) v += static_cast<const float *>(g.bias)[n];
        C[row * g.ldc + n] = v;
      }
    }
  }
}

class GpuDenseMapping : public ::testing::Test {
protected:
  void SetUp() override {
    vt_ = static_cast<const plinth_backend_vtable *>(plinth_cpu_backend_descriptor(host())->vtable);
    plinth_backend_options o{};
    o.struct_size = sizeof o;
    ASSERT_EQ(vt_->context_create(&o, &ctx_), PLINTH_OK);
    ops_ = vt_->ops;
  }
  void TearDown() override {
    for (plinth_tensor *t : tensors_)
      ops_->tensor_free(ctx_, t);
    if (ctx_) vt_->context_free(ctx_);
  }
  plinth_tensor *tensor(const std::vector<int64_t> &shape, const std::vector<float> &v) {
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops_->tensor_from_host(ctx_, PLINTH_DTYPE_F32, static_cast<int32_t>(shape.size()),
                                     shape.data(), v.data(), 0, &t),
              PLINTH_OK);
    tensors_.push_back(t);
    return t;
  }
  plinth_tensor *ints(const std::vector<int64_t> &shape, const std::vector<int32_t> &v) {
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops_->tensor_from_host(ctx_, PLINTH_DTYPE_I32, static_cast<int32_t>(shape.size()),
                                     shape.data(), v.data(), 0, &t),
              PLINTH_OK);
    tensors_.push_back(t);
    return t;
  }
  plinth_tensor *random(const std::vector<int64_t> &shape, uint32_t seed) {
    size_t n = 1;
    for (int64_t d : shape)
      n *= static_cast<size_t>(d);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float &x : v)
      x = dist(rng);
    return tensor(shape, v);
  }
  static size_t count(const plinth_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->ndim; ++i)
      n *= static_cast<size_t>(t->shape[i]);
    return n;
  }
  // The CPU backend keeps tensors in host memory: data is directly readable.
  static std::vector<float> values(const plinth_tensor *t) {
    const auto *p = static_cast<const float *>(t->data);
    return std::vector<float>(p, p + count(t));
  }
  static void expect_close(const std::vector<float> &want, const float *got,
                           const std::string &what) {
    int bad = 0;
    for (size_t i = 0; i < want.size() && bad < 5; ++i)
      if (!(std::fabs(want[i] - got[i]) <= 1e-4f + 1e-4f * std::fabs(want[i]))) {
        ADD_FAILURE() << what << ": element " << i << " want " << want[i] << " got " << got[i];
        ++bad;
      }
  }

  const plinth_backend_vtable *vt_ = nullptr;
  const plinth_backend_ops *ops_ = nullptr;
  plinth_backend_ctx *ctx_ = nullptr;
  std::vector<plinth_tensor *> tensors_;
};

struct MatmulCase {
  std::vector<int64_t> a, b, c; // shapes as stored
  int32_t ta, tb;
};

TEST_F(GpuDenseMapping, MatmulOnBothGemmInterfaces) {
  const MatmulCase cases[] = {
      {{9, 17}, {17, 11}, {9, 11}, 0, 0},
      {{17, 9}, {11, 17}, {9, 11}, 1, 1},
      {{3, 1, 9, 17}, {4, 17, 11}, {3, 4, 9, 11}, 0, 0},    // both broadcast
      {{3, 1, 17, 9}, {4, 11, 17}, {3, 4, 9, 11}, 1, 1},    // transposed, broadcast
      {{2, 5, 9, 17}, {1, 1, 11, 17}, {2, 5, 9, 11}, 0, 1}, // attention scores: q @ k^T
      {{2, 5, 9, 17}, {2, 5, 17, 11}, {2, 5, 9, 11}, 0, 0}, // probs @ v
      {{6, 17, 9}, {17, 11}, {6, 9, 11}, 1, 0},
  };
  uint32_t seed = 1;
  for (const MatmulCase &mc : cases) {
    const std::string what = "matmul ta " + std::to_string(mc.ta) + " tb " + std::to_string(mc.tb) +
                             " batch dims " + std::to_string(mc.c.size() - 2);
    plinth_tensor *a = random(mc.a, seed++), *b = random(mc.b, seed++);
    plinth_tensor *c = random(mc.c, seed++);
    const std::vector<float> c0 = values(c);
    plinth_matmul_args args{sizeof(plinth_matmul_args), a, b, c, mc.ta, mc.tb, 0.5f, 0.25f};
    const plinth::backend::MatmulShape sh = plinth::backend::check_matmul(&args);
    ASSERT_EQ(ops_->matmul(ctx_, &args), PLINTH_OK);
    const std::vector<float> want = values(c);

    std::vector<float> got = c0; // vendor BLAS: one strided-batched call per outer index
    for (int64_t i0 = 0; i0 < sh.batch_shape[0]; ++i0) {
      const ColumnMajorGemm cm = column_major(blas_matmul(sh, static_cast<const float *>(a->data),
                                                          static_cast<const float *>(b->data),
                                                          got.data(), i0, args.alpha, args.beta));
      EXPECT_TRUE(fits_int32_blas(cm));
      column_major_sgemm(cm);
    }
    expect_close(want, got.data(), what + " (BLAS)");

    got = c0; // own GEMM
    own_gemm(gemm_matmul(sh, static_cast<const float *>(a->data),
                         static_cast<const float *>(b->data), got.data(), args.alpha, args.beta));
    expect_close(want, got.data(), what + " (own GEMM)");
  }
}

TEST_F(GpuDenseMapping, LinearInConversionChunks) {
  const int64_t M = 13, K = 40, N = 37;
  plinth_tensor *x = random({M, K}, 50), *w = random({N, K}, 51), *bias = random({N}, 52);
  plinth_tensor *y = tensor({M, N}, std::vector<float>(M * N, 0.0f));
  ASSERT_EQ(ops_->linear(ctx_, x, w, bias, y), PLINTH_OK);
  const std::vector<float> want = values(y);
  const auto *xp = static_cast<const float *>(x->data), *wp = static_cast<const float *>(w->data);
  const auto *bp = static_cast<const float *>(bias->data);
  // Chunks of 5 rows (the last one short), as weight_product converts f16/bf16/quantized
  // weights; then the bias, as launch_add_bias adds it.
  for (int64_t chunk_bytes : {int64_t{5} * K * 4, int64_t{1} << 26}) {
    const int64_t rows = convert_chunk_rows(K, N, chunk_bytes);
    std::vector<float> got(static_cast<size_t>(M * N), -7.0f); // beta 0: never read
    for (int64_t n0 = 0; n0 < N; n0 += rows) {
      const int64_t nb = std::min(rows, N - n0);
      std::vector<float> tmp(wp + n0 * K, wp + (n0 + nb) * K); // the converted chunk
      column_major_sgemm(column_major(blas_linear(xp, M, K, tmp.data(), n0, nb, N, got.data())));
    }
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n)
        got[static_cast<size_t>(m * N + n)] += bp[n];
    expect_close(want, got.data(), "linear, chunk rows " + std::to_string(rows));
  }
  std::vector<float> got(static_cast<size_t>(M * N), 0.0f);
  own_gemm(gemm_linear(xp, M, K, wp, PLINTH_DTYPE_F32, N, bp, PLINTH_DTYPE_F32, got.data()));
  expect_close(want, got.data(), "linear (own GEMM)");
}

TEST_F(GpuDenseMapping, ExpertGroupsOnTheOwnGemm) {
  const int64_t M = 75, K = 24, N = 10, E = 5;
  std::vector<int32_t> id(static_cast<size_t>(M));
  for (int64_t m = 0; m < M; ++m)
    id[static_cast<size_t>(m)] = static_cast<int32_t>((m * 7 + 3) % 4); // expert 4 unused
  plinth_tensor *x = random({M, K}, 60), *w = random({E, N, K}, 61), *ids = ints({M}, id);
  plinth_tensor *y = tensor({M, N}, std::vector<float>(M * N, 0.0f));
  ASSERT_EQ(ops_->linear_indexed(ctx_, x, w, ids, y), PLINTH_OK);
  const std::vector<float> want = values(y);
  // What launch_moe_group computes: rows grouped by expert (any order inside a group).
  std::vector<int32_t> offsets(static_cast<size_t>(E + 1), 0), order;
  for (int64_t e = 0; e < E; ++e) {
    offsets[static_cast<size_t>(e)] = static_cast<int32_t>(order.size());
    for (int64_t m = M - 1; m >= 0; --m)
      if (id[static_cast<size_t>(m)] == e) order.push_back(static_cast<int32_t>(m));
  }
  offsets[static_cast<size_t>(E)] = static_cast<int32_t>(order.size());
  std::vector<float> got(static_cast<size_t>(M * N), 0.0f);
  own_gemm(gemm_moe(static_cast<const float *>(x->data), M, K, w->data, PLINTH_DTYPE_F32, E, N,
                    got.data(), offsets.data(), order.data()));
  expect_close(want, got.data(), "linear_indexed (grouped own GEMM)");
}

} // namespace
