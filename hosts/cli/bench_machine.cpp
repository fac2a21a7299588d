#include "bench_machine.hpp"

#include "plinth_plugin.h" // plinth_machine_reference_ext

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include <immintrin.h>
#include <new>
#include <sys/mman.h>
#include <sys/resource.h>

namespace plinth_cli {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
} // namespace

namespace {
// Sum of [b, e) with 256-bit loads and four independent accumulators: the loads, not the adds,
// must be the limit, or the "physical limit" is understated (scalar sums top out ~20% lower).
__attribute__((target("avx2"))) uint64_t sum_avx2(const uint64_t *b, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const auto *p = reinterpret_cast<const __m256i *>(b);
  size_t i = 0;
  for (; i + 4 <= n / 4; i += 4) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(p + i));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(p + i + 1));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(p + i + 2));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(p + i + 3));
  }
  a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t o[4];
  _mm256_store_si256(reinterpret_cast<__m256i *>(o), a0);
  uint64_t s = o[0] + o[1] + o[2] + o[3];
  for (size_t k = i * 4; k < n; ++k)
    s += b[k];
  return s;
}

// The same with 512-bit loads where the CPU has them: plinth's decode kernels use them, so a
// 256-bit reference would understate what the memory system can deliver.
__attribute__((target("avx512f"))) uint64_t sum_avx512(const uint64_t *b, size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  const auto *p = reinterpret_cast<const __m512i *>(b);
  size_t i = 0;
  for (; i + 4 <= n / 8; i += 4) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(p + i + 1));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(p + i + 2));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(p + i + 3));
  }
  alignas(64) uint64_t o[8];
  _mm512_store_si512(o, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  uint64_t s = 0;
  for (uint64_t v : o)
    s += v;
  for (size_t k = i * 8; k < n; ++k)
    s += b[k];
  return s;
}

uint64_t sum_portable(const uint64_t *b, size_t n) {
  uint64_t s = 0; // one accumulator lets the compiler vectorize with the baseline ISA
  for (size_t i = 0; i < n; ++i)
    s += b[i];
  return s;
}

constexpr size_t kProbeBytes = size_t{1} << 30;
constexpr size_t kHugePage = size_t{2} << 20;
} // namespace

// The buffer is 2 MiB-aligned anonymous memory advised for transparent huge pages — the same
// kind of memory the CPU backend gives weights it copies or quantizes — so that the reference
// is not held back by 4 KiB page walks and prefetch stops that the model's weights avoid.
BandwidthProbe::BandwidthProbe() {
  void *p = mmap(nullptr, kProbeBytes + kHugePage, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  map_ = p;
  const auto a = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
  madvise(reinterpret_cast<void *>(a), kProbeBytes, MADV_HUGEPAGE); // advice only
  buf_ = reinterpret_cast<uint64_t *>(a);
  n_ = kProbeBytes / sizeof(uint64_t);
  for (size_t i = 0; i < n_; ++i)
    buf_[i] = i; // touch every page first
}

BandwidthProbe::~BandwidthProbe() { munmap(map_, kProbeBytes + kHugePage); }

double BandwidthProbe::measure(int threads, int passes) {
  const size_t n = n_;
  threads = std::max(1, threads);
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2");
  double best = 0;
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  for (int r = 0; r < std::max(1, passes); ++r) {
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const size_t b = n * static_cast<size_t>(t) / static_cast<size_t>(threads);
        const size_t e = n * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
        sums[static_cast<size_t>(t)] = avx512 ? sum_avx512(buf_ + b, e - b)
                                       : avx2 ? sum_avx2(buf_ + b, e - b)
                                              : sum_portable(buf_ + b, e - b);
      });
    for (auto &th : pool)
      th.join();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / seconds_since(t0) / 1e9);
  }
  volatile uint64_t sink = 0;
  for (auto s : sums)
    sink = sink + s;
  return best;
}

GemmReference measure_gemm_reference(plinth_runtime *rt, const char *backend, int threads, int n,
                                     int repeat) {
  GemmReference r;
  const void *table = nullptr;
  if (plinth_runtime_backend_extension(rt, backend, PLINTH_EXTENSION_MACHINE_REFERENCE, &table) !=
      PLINTH_OK)
    return r;
  const auto *ext = static_cast<const plinth_machine_reference_ext *>(table);
  if (ext->struct_size < sizeof(plinth_machine_reference_ext) || !ext->gemm_f32_gflops) return r;
  if (ext->gemm_f32_gflops(threads, n, repeat, &r.own, &r.vendor) != PLINTH_OK) r = {};
  return r;
}

long peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss * 1024L;
}

} // namespace plinth_cli
