// Element-wise comparison of a computed tensor against a golden one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plinth.h"

namespace plinth_cli {

struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-4;
};

struct CompareResult {
  bool ok = true;
  std::string message; // what differed (empty when ok), or a summary of the errors when ok
  double max_abs_err = 0;
  double max_rel_err = 0;
};

// "[1, 2, 3]" of the row-major multi-index of flat element `index` in `shape`.
std::string index_string(const std::vector<int64_t> &shape, int64_t index);

// Float comparison: shapes must match; every element must satisfy
// |got - want| <= atol + rtol * |want| (NaN only matches NaN).
CompareResult compare_close(const std::string &name, const std::vector<int64_t> &got_shape,
                            const std::vector<double> &got, const std::vector<int64_t> &want_shape,
                            const std::vector<double> &want, const Tolerance &tol);

// Exact comparison of integer tensors (token ids); reports the first differing position.
CompareResult compare_exact(const std::string &name, const std::vector<int64_t> &got_shape,
                            const std::vector<int64_t> &got, const std::vector<int64_t> &want_shape,
                            const std::vector<int64_t> &want);

// A library output tensor's shape and values (any dtype the library returns).
std::vector<int64_t> host_tensor_shape(const plinth_host_tensor &t);
std::vector<double> host_tensor_values(const plinth_host_tensor &t);

} // namespace plinth_cli
