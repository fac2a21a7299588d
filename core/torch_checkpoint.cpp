#include "torch_checkpoint.hpp"

#include <cstring>

#include "dtype.hpp"
#include "error.hpp"
#include "torch_pickle.hpp"
#include "zip_archive.hpp"

namespace plinth {

TorchCheckpointFile::TorchCheckpointFile(const std::filesystem::path &path)
    : file_(std::make_unique<MappedFile>(path)), label_(path.string()) {
  parse(file_->data(), file_->size());
}

TorchCheckpointFile::TorchCheckpointFile(const uint8_t *data, size_t size, const std::string &label)
    : label_(label) {
  parse(data, size);
}

void TorchCheckpointFile::parse(const uint8_t *data, size_t size) {
  if (!looks_like_zip(data, size))
    throw Error(PLINTH_ERR_UNSUPPORTED,
                label_ + ": not a zip-format PyTorch checkpoint (files written by torch < 1.6 "
                         "use the legacy format; re-save them or convert to safetensors)");
  ZipArchive zip(data, size, label_);
  // Entries live under one top-level folder whose name varies ("archive/", "<stem>/").
  std::string prefix;
  for (const auto &[name, e] : zip.entries()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = name.substr(0, slash + 1);
      break;
    }
  }
  if (prefix.empty()) throw Error(PLINTH_ERR_FORMAT, label_ + ": no data.pkl in the archive");
  if (auto it = zip.entries().find(prefix + "byteorder");
      it != zip.entries().end() && it->second.data) {
    const std::string order(reinterpret_cast<const char *>(it->second.data), it->second.size);
    if (order != "little")
      throw Error(PLINTH_ERR_UNSUPPORTED, label_ + ": big-endian checkpoints are not supported");
  }
  const ZipEntry &pkl = zip.stored(prefix + "data.pkl");
  for (auto &pt : read_torch_state_dict(pkl.data, pkl.size, label_ + " (data.pkl)")) {
    const ZipEntry &st = zip.stored(prefix + "data/" + pt.storage_key);
    const size_t es = dtype_size(pt.storage_dtype);
    auto fail = [&](const std::string &why) {
      throw Error(PLINTH_ERR_FORMAT, label_ + ": tensor '" + pt.name + "': " + why);
    };
    // Every size below is checked before it is used: the numbers come from the file.
    uint64_t storage_bytes = 0;
    if (pt.storage_numel < 0 ||
        __builtin_mul_overflow(static_cast<uint64_t>(pt.storage_numel), es, &storage_bytes) ||
        st.size < storage_bytes)
      fail("its storage holds " + std::to_string(st.size) + " bytes but declares " +
           std::to_string(pt.storage_numel) + " elements");
    if (pt.shape.size() > 8) fail("too many dimensions");
    if (pt.stride.size() != pt.shape.size()) fail("shape and stride differ in length");
    int64_t numel = 1, extent = 0;
    for (size_t d = 0; d < pt.shape.size(); ++d) {
      if (pt.shape[d] < 0 || pt.stride[d] < 0) fail("negative size or stride");
      int64_t reach = 0;
      if (__builtin_mul_overflow(numel, pt.shape[d], &numel) ||
          (pt.shape[d] > 0 && (__builtin_mul_overflow(pt.shape[d] - 1, pt.stride[d], &reach) ||
                               __builtin_add_overflow(extent, reach, &extent))))
        fail("its shape or strides overflow 64 bits");
    }
    int64_t last = 0;
    if (pt.offset < 0 || (numel > 0 && (__builtin_add_overflow(pt.offset, extent, &last) ||
                                        last >= pt.storage_numel)))
      fail("its view reaches past the end of its storage");
    // A view with more elements than its storage repeats some (stride 0, overlapping strides):
    // never a stored weight, and gathering it could take any amount of memory.
    if (numel > pt.storage_numel)
      fail("its view has " + std::to_string(numel) + " elements over a storage of " +
           std::to_string(pt.storage_numel) + " (a stride-0 or overlapping view)");
    TensorRecord rec;
    rec.name = pt.name;
    rec.dtype = pt.storage_dtype;
    rec.shape = pt.shape;
    rec.nbytes = static_cast<size_t>(numel) * es;
    bool contiguous = true;
    int64_t expect = 1;
    for (size_t d = pt.shape.size(); d-- > 0;) {
      if (pt.shape[d] != 1 && pt.stride[d] != expect) contiguous = false;
      expect *= pt.shape[d];
    }
    const uint8_t *base = st.data + static_cast<size_t>(pt.offset) * es;
    if (contiguous) {
      rec.data = base;
      rec.in_mapping = true;
    } else { // gather a strided view (rare in state dicts) into owned memory
      owned_.emplace_back(rec.nbytes);
      uint8_t *dst = owned_.back().data();
      std::vector<int64_t> idx(pt.shape.size(), 0);
      for (int64_t n = 0; n < numel; ++n) {
        int64_t off = 0;
        for (size_t d = 0; d < idx.size(); ++d)
          off += idx[d] * pt.stride[d];
        std::memcpy(dst + static_cast<size_t>(n) * es, base + static_cast<size_t>(off) * es, es);
        for (size_t d = idx.size(); d-- > 0;) {
          if (++idx[d] < pt.shape[d]) break;
          idx[d] = 0;
        }
      }
      rec.data = dst;
    }
    tensors_[rec.name] = std::move(rec);
  }
}

} // namespace plinth
