// Reference measurements of the machine itself, taken in the same run as the model benchmark
// so plinth's numbers are reported as fractions of what this hardware can do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace plinth_cli {

// Read bandwidth in GB/s (1e9 bytes/s): `threads` threads each summing their share of a 1 GiB
// buffer (far larger than the caches) with the widest loads the CPU has; best of `passes`.
// The buffer is allocated once so measurements can be interleaved with the model's runs:
// memory bandwidth on a shared machine drifts, so each run is compared with its neighbour.
class BandwidthProbe {
public:
  BandwidthProbe();
  ~BandwidthProbe();
  BandwidthProbe(const BandwidthProbe &) = delete;
  BandwidthProbe &operator=(const BandwidthProbe &) = delete;
  double measure(int threads, int passes);

private:
  void *map_ = nullptr;
  uint64_t *buf_ = nullptr;
  size_t n_ = 0;
};

// f32 GEMM rate in GFLOP/s of OpenBLAS sgemm on n x n matrices with `threads` threads.
double measure_sgemm_gflops(int threads, int n, int repeat);

// The same for plinth's own packed GEMM (backends/cpu/gemm.hpp, the one the CPU backend runs
// prompts with) on f32 weights, on a thread pool of `threads`. 0 when this CPU lacks AVX2 or
// the CLI was built without the CPU backend. The machine's f32 GEMM rate is the best of the
// two, since OpenBLAS may use a narrower instruction set than the CPU offers.
double measure_own_gemm_gflops(int threads, int n, int repeat);

// Peak resident set size of this process in bytes.
long peak_rss_bytes();

} // namespace plinth_cli
