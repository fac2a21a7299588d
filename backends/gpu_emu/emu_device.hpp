// The kernel dialect of the host target: what nvcc and hipcc give a .cu file (qualifiers,
// built-in variables, vector types, intrinsics, warp shuffles, atomics, shared memory),
// defined in plain C++ so that backends/gpu_common/*.cu compile with g++ and run on the CPU.
//
// Every GPU thread of a block runs as a cooperative fiber on one OS thread (emu_exec.cpp);
// __syncthreads and each warp shuffle are points where it yields until the other threads of
// its block (or warp) arrive. Shared memory is a per-block arena reached through checked
// pointers (SharedPtr) that report out-of-bounds accesses, reads of words that no thread
// wrote, and conflicting accesses between two barriers. Included through gpu_port.hpp only.
#pragma once

#include <math.h> // fmaf, expf, ... and isnan in the global namespace, as in device code

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)

// CUDA's built-in vector types, with the device's alignment (a misaligned vector load is a
// fault there; here the compiler may use aligned instructions too).
struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) uint4 {
  unsigned x, y, z, w;
};
struct alignas(8) uint2 {
  unsigned x, y;
};

namespace plinth::emu {

struct Stream;
struct BlockRun;

// The state of the GPU thread that runs now on this OS thread (one per fiber).
struct Lane {
  uint3 thread_idx;
  uint3 block_idx;
  dim3 block_dim;
  dim3 grid_dim;
  int linear = 0; // thread index within the block
  BlockRun *block = nullptr;
};
extern thread_local Lane *t_lane;
// The current lane; outside a kernel this is a fault (device code called from the host).
Lane &lane_or_fail();
inline Lane &lane() {
  Lane *l = t_lane;
  return l ? *l : lane_or_fail();
}

// Thrown inside a lane when a check fails; the block stops and the launch reports it.
[[noreturn]] void kernel_fault(const char *what);

// ------------------------------------------------------------------ synchronisation
void syncthreads();
// One warp-wide exchange: every lane of the warp passes `bits` and gets the bits of lane
// `src` (an index within the warp; checked). `mask` must name every lane of the warp.
uint64_t warp_exchange(unsigned mask, uint64_t bits, int src, const char *what);
int lane_in_warp();

template <class T> T from_bits(uint64_t b) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffle of a large type");
  T v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}
template <class T> uint64_t to_bits(const T &v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffle of a large type");
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof v);
  return b;
}

// ------------------------------------------------------------------ shared memory
// One word (4 bytes) of a block's shared memory as the checker sees it.
struct ShadowWord {
  int32_t writer = -1; // thread that wrote it last; -1: never written; kAtomic: atomics
  uint32_t write_epoch = 0;
  int32_t reader = -1; // thread that read it in read_epoch; kMany: several
  uint32_t read_epoch = 0;
};
constexpr int32_t kAtomicWriter = -3;
constexpr int32_t kManyReaders = -2;

enum class Access { kRead, kWrite, kAtomic };
// Checks an access of `bytes` at byte offset `off` of the block's arena against the region
// [begin, end) it was derived from, and updates the shadow. Faults the kernel on a problem.
void shared_access(BlockRun *b, int64_t off, size_t bytes, uint32_t begin, uint32_t end,
                   const char *name, int32_t row, size_t elem, Access kind);
unsigned char *shared_base(BlockRun *b);

template <class T> class SharedPtr;

// An element of shared memory: reading it converts, assigning writes (both checked).
template <class T> class SharedRef {
public:
  operator T() const { return p_.load(); }
  const SharedRef &operator=(const T &v) const {
    p_.store(v);
    return *this;
  }
  const SharedRef &operator=(const SharedRef &o) const {
    p_.store(static_cast<T>(o));
    return *this;
  }
  template <class U> const SharedRef &operator+=(const U &v) const {
    p_.store(static_cast<T>(p_.load() + v));
    return *this;
  }
  template <class U> const SharedRef &operator*=(const U &v) const {
    p_.store(static_cast<T>(p_.load() * v));
    return *this;
  }
  SharedPtr<T> operator&() const { return p_; }

private:
  friend class SharedPtr<T>;
  explicit SharedRef(const SharedPtr<T> &p) : p_(p) {}
  SharedRef(const SharedRef &) = default;
  SharedPtr<T> p_;
};

// A pointer into shared memory that remembers the declaration it came from, so every
// dereference is checked against that array's bounds.
template <class T> class SharedPtr {
public:
  SharedPtr() = default;
  SharedPtr(BlockRun *b, uint32_t begin, uint32_t end, const char *name, int32_t row = -1)
      : b_(b), off_(begin), begin_(begin), end_(end), name_(name), row_(row) {}

  SharedRef<T> operator*() const { return SharedRef<T>(*this); }
  SharedRef<T> operator[](int64_t i) const { return SharedRef<T>(*this + i); }
  SharedPtr operator+(int64_t i) const {
    SharedPtr p = *this;
    p.off_ += i * static_cast<int64_t>(sizeof(T));
    return p;
  }
  SharedPtr operator-(int64_t i) const { return *this + (-i); }
  SharedPtr &operator+=(int64_t i) { return *this = *this + i; }
  int64_t operator-(const SharedPtr &o) const {
    return (off_ - o.off_) / static_cast<int64_t>(sizeof(T));
  }
  bool operator==(const SharedPtr &o) const { return off_ == o.off_; }
  bool operator!=(const SharedPtr &o) const { return off_ != o.off_; }

  T load() const {
    check(Access::kRead);
    T v;
    std::memcpy(&v, shared_base(b_) + off_, sizeof v);
    return v;
  }
  void store(const T &v) const {
    check(Access::kWrite);
    std::memcpy(shared_base(b_) + off_, &v, sizeof v);
  }
  // For atomics: the element's address after an atomic-access check.
  T *atomic_address() const {
    check(Access::kAtomic);
    return reinterpret_cast<T *>(shared_base(b_) + off_);
  }

private:
  void check(Access kind) const {
    shared_access(b_, off_, sizeof(T), begin_, end_, name_, row_, sizeof(T), kind);
  }
  BlockRun *b_ = nullptr;
  int64_t off_ = 0; // byte offset in the block's arena (may stray; checked on access)
  uint32_t begin_ = 0, end_ = 0;
  const char *name_ = "";
  int32_t row_ = -1; // the row of a 2-D array, for messages
};

// A 2-D __shared__ array: a[i] is row i, bounded by the row.
template <class T> class SharedArray2 {
public:
  SharedArray2(BlockRun *b, uint32_t begin, int64_t rows, int64_t cols, const char *name)
      : b_(b), begin_(begin), rows_(rows), cols_(cols), name_(name) {}
  SharedPtr<T> operator[](int64_t i) const {
    if (i < 0 || i >= rows_) {
      // An out-of-range row: a pointer with an empty region faults on first use.
      return SharedPtr<T>(b_, begin_, begin_, name_, static_cast<int32_t>(i));
    }
    const uint32_t r0 = begin_ + static_cast<uint32_t>(i * cols_ * sizeof(T));
    return SharedPtr<T>(b_, r0, r0 + static_cast<uint32_t>(cols_ * sizeof(T)), name_,
                        static_cast<int32_t>(i));
  }

private:
  BlockRun *b_;
  uint32_t begin_;
  int64_t rows_, cols_;
  const char *name_;
};

// The region of a static __shared__ declaration (`site` identifies it) or of the launch's
// dynamic shared memory, in the current block's arena.
uint32_t static_shared_region(const void *site, size_t bytes, size_t align);
uint32_t dynamic_shared_bytes();

template <class T> SharedPtr<T> static_shared(const void *site, int64_t n, const char *name) {
  const uint32_t b = static_shared_region(site, static_cast<size_t>(n) * sizeof(T), alignof(T));
  return SharedPtr<T>(lane().block, b, b + static_cast<uint32_t>(n * sizeof(T)), name);
}
template <class T>
SharedArray2<T> static_shared2(const void *site, int64_t rows, int64_t cols, const char *name) {
  const uint32_t b =
      static_shared_region(site, static_cast<size_t>(rows * cols) * sizeof(T), alignof(T));
  return SharedArray2<T>(lane().block, b, rows, cols, name);
}
template <class T> SharedPtr<T> dynamic_shared(const char *name) {
  // The dynamic region starts at offset 0 of the arena; static ones follow it.
  return SharedPtr<T>(lane().block, 0, dynamic_shared_bytes() / sizeof(T) * sizeof(T), name);
}

// ------------------------------------------------------------------ launches
// Queues a launch of `grid` blocks of `block` threads on `stream`; `body` runs once per GPU
// thread. Launch errors (bad shape, too much shared memory) are reported by gpuGetLastError().
void enqueue_launch(Stream *stream, const char *name, const void *kernel, dim3 grid, dim3 block,
                    size_t dynamic_smem, std::function<void()> body);

} // namespace plinth::emu

// ------------------------------------------------------------------ built-in variables
#define threadIdx (::plinth::emu::lane().thread_idx)
#define blockIdx (::plinth::emu::lane().block_idx)
#define blockDim (::plinth::emu::lane().block_dim)
#define gridDim (::plinth::emu::lane().grid_dim)

inline void __syncthreads() { ::plinth::emu::syncthreads(); }

template <class T> inline T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32) {
  const int base = ::plinth::emu::lane_in_warp() / width * width;
  if (src_lane < 0 || src_lane >= width)
    ::plinth::emu::kernel_fault("__shfl_sync: source lane outside [0, width) (the GPU would "
                                "wrap it; plinth's kernels never mean to)");
  return ::plinth::emu::from_bits<T>(::plinth::emu::warp_exchange(mask, ::plinth::emu::to_bits(v),
                                                                  base + src_lane, "__shfl_sync"));
}
template <class T> inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  const int me = ::plinth::emu::lane_in_warp();
  if (lane_mask < 0 || lane_mask >= width)
    ::plinth::emu::kernel_fault("__shfl_xor_sync: lane mask outside [0, width)");
  return ::plinth::emu::from_bits<T>(::plinth::emu::warp_exchange(
      mask, ::plinth::emu::to_bits(v), me ^ lane_mask, "__shfl_xor_sync"));
}
inline unsigned __ballot_sync(unsigned mask, int predicate) {
  // Each lane learns every lane's predicate: 32 exchanges would do; one exchange per lane
  // is the honest emulation, and ballots are rare.
  unsigned out = 0;
  const uint64_t mine = predicate ? 1u : 0u;
  for (int src = 0; src < 32; ++src)
    if (mask & (1u << src))
      out |= static_cast<unsigned>(::plinth::emu::warp_exchange(mask, mine, src, "__ballot_sync"))
             << src;
  return out;
}

// Round-to-nearest products and sums that are never fused into an FMA (the emulator's kernels
// build with -ffp-contract=off as well, so the arithmetic is exactly as written).
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }

inline float __uint_as_float(unsigned u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline unsigned __float_as_uint(float f) {
  unsigned u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Global-memory atomics: blocks run on several OS threads, so these are real atomics.
inline int atomicCAS(int *p, int compare, int value) {
  __atomic_compare_exchange_n(p, &compare, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return compare; // the old value either way
}
inline int atomicAdd(int *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
// Shared-memory atomics (checked like any shared access; one block = one OS thread).
template <class T> inline T atomicAdd(::plinth::emu::SharedPtr<T> p, T v) {
  return atomicAdd(p.atomic_address(), v);
}
template <class T> inline T atomicCAS(::plinth::emu::SharedPtr<T> p, T compare, T value) {
  return atomicCAS(p.atomic_address(), compare, value);
}

// Shared memory declarations (gpu_port.hpp spells them for every target).
#define PLINTH_EMU_SITE(name) static const char plinth_emu_site_##name = 0
#define PLINTH_SHARED_ARRAY(T, name, n)                                                            \
  PLINTH_EMU_SITE(name);                                                                           \
  const ::plinth::emu::SharedPtr<T> name =                                                         \
      ::plinth::emu::static_shared<T>(&plinth_emu_site_##name, (n), #name)
#define PLINTH_SHARED_ARRAY2(T, name, rows, cols)                                                  \
  PLINTH_EMU_SITE(name);                                                                           \
  const ::plinth::emu::SharedArray2<T> name =                                                      \
      ::plinth::emu::static_shared2<T>(&plinth_emu_site_##name, (rows), (cols), #name)
#define PLINTH_DYNAMIC_SHARED(T, name)                                                             \
  const ::plinth::emu::SharedPtr<T> name = ::plinth::emu::dynamic_shared<T>(#name)

// The one launch form of gpu_port.hpp: the parameters are converted to the kernel's types and
// copied once at launch (as the GPU copies them); each GPU thread then gets its own copy.
template <class... P, class... A>
inline void plinth_emu_launch(const char *name, void (*kernel)(P...), dim3 grid, dim3 block,
                              size_t smem, ::plinth::emu::Stream *stream, A &&...args) {
  std::tuple<std::decay_t<P>...> params(static_cast<P>(std::forward<A>(args))...);
  ::plinth::emu::enqueue_launch(stream, name, reinterpret_cast<const void *>(kernel), grid, block,
                                smem, [kernel, params] { std::apply(kernel, params); });
}
