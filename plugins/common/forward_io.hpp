// ForwardIO: a plinth_forward_io seen from C++. Inputs arrive as host tensors (i32, or i64
// from hosts that pass them through); outputs leave through emit().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plinth_plugin.h"
#include "tensor.hpp"

namespace plinth::plugin {

struct IntInput {
  Shape shape;
  std::vector<int32_t> data;

  int32_t at(int64_t row, int64_t col) const { return data[row * shape.back() + col]; }
};

class ForwardIO {
public:
  explicit ForwardIO(const plinth_forward_io *io);

  const plinth_host_tensor *find(const std::string &name) const;
  std::optional<IntInput> ints(const std::string &name) const;
  // Throws INVALID_ARGUMENT naming the input when absent.
  IntInput require_ints(const std::string &name) const;

  bool want(const std::string &name) const;
  void emit(const std::string &name, const Tensor &t) const;

private:
  const plinth_forward_io *io_;
};

} // namespace plinth::plugin
