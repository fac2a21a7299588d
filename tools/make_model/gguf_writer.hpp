// Streams a GGUF v3 file (the format llama.cpp loads). This exists only so that plinth-make-model
// can write the same random-weight benchmark model for llama.cpp, the peer that
// tools/bench-peer-llamacpp.sh measures beside `plinth bench`; plinth itself never reads GGUF.
// Written from the format's description: little-endian; header, key/value metadata, tensor
// infos, then each tensor's bytes at an offset aligned to 32 bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace make_model {

// The few ggml tensor types written here (ggml's enum values).
enum class GgmlType : uint32_t { F32 = 0, F16 = 1, BF16 = 30 };
size_t ggml_type_size(GgmlType t);

class GgufWriter {
public:
  void add_u32(const std::string &key, uint32_t v);
  void add_f32(const std::string &key, float v);
  void add_string(const std::string &key, const std::string &v);
  void add_strings(const std::string &key, const std::vector<std::string> &v);
  void add_f32s(const std::string &key, const std::vector<float> &v);
  void add_i32s(const std::string &key, const std::vector<int32_t> &v);
  // `shape` is row-major, outermost first (as safetensors and torch write it); GGUF stores the
  // dimensions innermost first, so a torch [out, in] matrix becomes ggml's {in, out}.
  void add_tensor(const std::string &name, const std::vector<int64_t> &shape, GgmlType type);

  // fill(tensor_index, first_element, count, out) writes `count` elements of that tensor in its
  // type; progress(bytes_done, bytes_total) is called now and then.
  void write(const std::string &path,
             const std::function<void(size_t, int64_t, int64_t, uint8_t *)> &fill,
             const std::function<void(uint64_t, uint64_t)> &progress) const;

  static constexpr uint64_t kAlignment = 32; // GGUF's default: no general.alignment key needed

private:
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    GgmlType type;
    int64_t numel;
    uint64_t offset; // within the data section
  };
  std::string kv_; // serialized key/value pairs
  uint64_t n_kv_ = 0;
  std::vector<Tensor> tensors_;
  uint64_t data_size_ = 0;
};

} // namespace make_model
