// Reference measurements of the machine itself, taken in the same run as the model benchmark
// so plinth's numbers are reported as fractions of what this hardware can do.
#pragma once

namespace plinth_cli {

// Read bandwidth in GB/s (1e9 bytes/s): `threads` threads each summing their share of a buffer
// far larger than the caches; best of `repeat` passes.
double measure_read_bandwidth(int threads, int repeat);

// f32 GEMM rate in GFLOP/s of OpenBLAS sgemm on n x n matrices with `threads` threads.
double measure_sgemm_gflops(int threads, int n, int repeat);

// Peak resident set size of this process in bytes.
long peak_rss_bytes();

} // namespace plinth_cli
