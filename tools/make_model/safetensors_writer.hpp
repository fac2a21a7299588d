// Streams a safetensors file: the header is computed from the tensor list up front, then each
// tensor's bytes are produced in chunks, so multi-GB checkpoints never sit in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace make_model {

struct WriteTensor {
  std::string name;
  std::vector<int64_t> shape;
};

// fill(tensor_index, first_element, count, out) writes `count` elements of the tensor.
// progress(bytes_done, bytes_total) is called now and then.
void write_safetensors(const std::string &path, const std::vector<WriteTensor> &tensors,
                       const std::string &dtype, size_t element_size,
                       const std::function<void(size_t, int64_t, int64_t, uint8_t *)> &fill,
                       const std::function<void(uint64_t, uint64_t)> &progress);

} // namespace make_model
