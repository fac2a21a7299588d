#include "compare.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "safetensors_reader.hpp"

namespace plinth_cli {

namespace {

std::string format_double(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string shape_mismatch(const std::string &name, const std::vector<int64_t> &got,
                           const std::vector<int64_t> &want) {
  return name + ": shape " + shape_string(got) + ", expected " + shape_string(want);
}

} // namespace

std::string index_string(const std::vector<int64_t> &shape, int64_t index) {
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      idx[d] = index % shape[d];
      index /= shape[d];
    }
  }
  return shape_string(idx);
}

CompareResult compare_close(const std::string &name, const std::vector<int64_t> &got_shape,
                            const std::vector<double> &got, const std::vector<int64_t> &want_shape,
                            const std::vector<double> &want, const Tolerance &tol) {
  CompareResult r;
  if (got_shape != want_shape || got.size() != want.size()) {
    r.ok = false;
    r.message = shape_mismatch(name, got_shape, want_shape);
    return r;
  }
  int64_t n_bad = 0;
  int64_t worst = -1;
  double worst_excess = -INFINITY; // err / allowed: > 1 means out of tolerance
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i];
    const double w = want[i];
    double err;
    bool bad;
    if (std::isnan(w) || std::isnan(g)) {
      bad = std::isnan(w) != std::isnan(g);
      err = bad ? INFINITY : 0.0;
    } else if (std::isinf(w) || std::isinf(g)) {
      bad = g != w;
      err = bad ? INFINITY : 0.0;
    } else {
      err = std::fabs(g - w);
      bad = err > tol.atol + tol.rtol * std::fabs(w);
    }
    const double rel = std::fabs(w) > 0 ? err / std::fabs(w) : (err > 0 ? INFINITY : 0.0);
    r.max_abs_err = std::max(r.max_abs_err, err);
    r.max_rel_err = std::max(r.max_rel_err, rel);
    const double excess = err / (tol.atol + tol.rtol * std::fabs(w));
    if (bad) ++n_bad;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = static_cast<int64_t>(i);
    }
  }
  r.ok = n_bad == 0;
  std::string summary = name + ": max abs err " + format_double(r.max_abs_err) + ", max rel err " +
                        format_double(r.max_rel_err);
  if (worst >= 0) {
    const size_t w = static_cast<size_t>(worst);
    summary += ", worst at " + index_string(want_shape, worst) + " (got " + format_double(got[w]) +
               ", want " + format_double(want[w]) + ")";
  }
  if (!r.ok)
    summary += "; " + std::to_string(n_bad) + " of " + std::to_string(got.size()) +
               " elements out of tolerance (atol " + format_double(tol.atol) + ", rtol " +
               format_double(tol.rtol) + ")";
  r.message = summary;
  return r;
}

CompareResult compare_exact(const std::string &name, const std::vector<int64_t> &got_shape,
                            const std::vector<int64_t> &got, const std::vector<int64_t> &want_shape,
                            const std::vector<int64_t> &want) {
  CompareResult r;
  if (got_shape != want_shape || got.size() != want.size()) {
    r.ok = false;
    r.message = shape_mismatch(name, got_shape, want_shape);
    return r;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      r.ok = false;
      r.message = name + ": first difference at " +
                  index_string(want_shape, static_cast<int64_t>(i)) + ": got token " +
                  std::to_string(got[i]) + ", want " + std::to_string(want[i]);
      return r;
    }
  }
  r.message = name + ": identical";
  return r;
}

std::vector<int64_t> host_tensor_shape(const plinth_host_tensor &t) {
  std::vector<int64_t> shape;
  const int32_t ndim = std::max(0, std::min<int32_t>(t.ndim, PLINTH_MAX_DIMS));
  for (int32_t d = 0; d < ndim; ++d)
    shape.push_back(t.shape[d]);
  return shape;
}

std::vector<double> host_tensor_values(const plinth_host_tensor &t) {
  int64_t n = 1;
  for (int64_t d : host_tensor_shape(t))
    n = d > 0 ? n * d : 0;
  std::vector<double> out(static_cast<size_t>(n));
  if (n > 0 && t.data == nullptr) throw std::runtime_error("output tensor without data");
  const auto *bytes = static_cast<const unsigned char *>(t.data);
  auto element = [&](auto tag, int64_t i) {
    decltype(tag) v;
    std::memcpy(&v, bytes + static_cast<size_t>(i) * sizeof v, sizeof v);
    return static_cast<double>(v);
  };
  for (int64_t i = 0; i < n; ++i) {
    double v;
    switch (t.dtype) {
    case PLINTH_DTYPE_F32: v = element(float{}, i); break;
    case PLINTH_DTYPE_F64: v = element(double{}, i); break;
    case PLINTH_DTYPE_I32: v = element(int32_t{}, i); break;
    case PLINTH_DTYPE_I64: v = element(int64_t{}, i); break;
    case PLINTH_DTYPE_I16: v = element(int16_t{}, i); break;
    case PLINTH_DTYPE_I8: v = element(int8_t{}, i); break;
    case PLINTH_DTYPE_U8:
    case PLINTH_DTYPE_BOOL: v = element(uint8_t{}, i); break;
    default:
      throw std::runtime_error(std::string("output has dtype ") + plinth_dtype_name(t.dtype) +
                               ", which the checker does not read");
    }
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

} // namespace plinth_cli
