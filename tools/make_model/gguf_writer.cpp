#include "gguf_writer.hpp"

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace make_model {

static_assert(std::endian::native == std::endian::little, "GGUF is written little-endian");

namespace {

// GGUF's value types (gguf_type).
enum : uint32_t { kU32 = 4, kI32 = 5, kF32 = 6, kString = 8, kArray = 9 };

template <typename T> void put(std::string &out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void put_str(std::string &out, const std::string &s) {
  put<uint64_t>(out, s.size());
  out += s;
}
uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

} // namespace

size_t ggml_type_size(GgmlType t) { return t == GgmlType::F32 ? 4 : 2; }

void GgufWriter::add_u32(const std::string &key, uint32_t v) {
  put_str(kv_, key), put<uint32_t>(kv_, kU32), put(kv_, v), ++n_kv_;
}
void GgufWriter::add_f32(const std::string &key, float v) {
  put_str(kv_, key), put<uint32_t>(kv_, kF32), put(kv_, v), ++n_kv_;
}
void GgufWriter::add_string(const std::string &key, const std::string &v) {
  put_str(kv_, key), put<uint32_t>(kv_, kString), put_str(kv_, v), ++n_kv_;
}
namespace {
// One metadata array: its element type, count, then the elements.
template <typename T> void put_array(std::string &out, uint32_t type, const std::vector<T> &v) {
  put<uint32_t>(out, kArray), put<uint32_t>(out, type), put<uint64_t>(out, v.size());
  for (const T &x : v) {
    if constexpr (std::is_same_v<T, std::string>)
      put_str(out, x);
    else
      put(out, x);
  }
}
} // namespace

void GgufWriter::add_strings(const std::string &key, const std::vector<std::string> &v) {
  put_str(kv_, key), put_array(kv_, kString, v), ++n_kv_;
}
void GgufWriter::add_f32s(const std::string &key, const std::vector<float> &v) {
  put_str(kv_, key), put_array(kv_, kF32, v), ++n_kv_;
}
void GgufWriter::add_i32s(const std::string &key, const std::vector<int32_t> &v) {
  put_str(kv_, key), put_array(kv_, kI32, v), ++n_kv_;
}

void GgufWriter::add_tensor(const std::string &name, const std::vector<int64_t> &shape,
                            GgmlType type) {
  int64_t n = 1;
  for (auto d : shape)
    n *= d;
  data_size_ = align_up(data_size_, kAlignment);
  tensors_.push_back({name, shape, type, n, data_size_});
  data_size_ += static_cast<uint64_t>(n) * ggml_type_size(type);
}

void GgufWriter::write(const std::string &path,
                       const std::function<void(size_t, int64_t, int64_t, uint8_t *)> &fill,
                       const std::function<void(uint64_t, uint64_t)> &progress) const {
  std::string head = "GGUF";
  put<uint32_t>(head, 3); // version
  put<int64_t>(head, static_cast<int64_t>(tensors_.size()));
  put<int64_t>(head, static_cast<int64_t>(n_kv_));
  head += kv_;
  for (const auto &t : tensors_) {
    put_str(head, t.name);
    put<uint32_t>(head, static_cast<uint32_t>(t.shape.size()));
    for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d)
      put<int64_t>(head, *d);
    put<uint32_t>(head, static_cast<uint32_t>(t.type));
    put<uint64_t>(head, t.offset);
  }
  head.resize(align_up(head.size(), kAlignment), '\0'); // the data section starts aligned

  std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) throw std::runtime_error("cannot write " + path);
  auto out = [&](const void *p, size_t n) {
    if (std::fwrite(p, 1, n, f.get()) != n)
      throw std::runtime_error("write failed (disk full?): " + path);
  };
  out(head.data(), head.size());
  const int64_t chunk = 1 << 20;
  std::vector<uint8_t> buf(static_cast<size_t>(chunk) * 4);
  const std::vector<uint8_t> zeros(kAlignment, 0);
  uint64_t pos = 0; // within the data section
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const auto &t = tensors_[i];
    out(zeros.data(), t.offset - pos);
    const size_t es = ggml_type_size(t.type);
    for (int64_t e = 0; e < t.numel; e += chunk) {
      const int64_t n = std::min(chunk, t.numel - e);
      fill(i, e, n, buf.data());
      out(buf.data(), static_cast<size_t>(n) * es);
      progress(t.offset + static_cast<uint64_t>(e + n) * es, data_size_);
    }
    pos = t.offset + static_cast<uint64_t>(t.numel) * es;
  }
}

} // namespace make_model
