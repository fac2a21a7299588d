// Reference measurements of the machine itself, taken in the same run as the model benchmark
// so plinth's numbers are reported as fractions of what this hardware can do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "plinth.h"

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

// f32 GEMM rates in GFLOP/s (n x n, `threads` threads) from the backend's
// "plinth.machine_reference" extension: its own GEMM and its vendor BLAS. Both 0 when the
// backend does not offer the extension.
struct GemmReference {
  double own = 0, vendor = 0;
  double best() const { return own > vendor ? own : vendor; }
};
GemmReference measure_gemm_reference(plinth_runtime *rt, const char *backend, int threads, int n,
                                     int repeat);

// Peak resident set size of this process in bytes.
long peak_rss_bytes();

} // namespace plinth_cli
