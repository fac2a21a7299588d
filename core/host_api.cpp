#include "host_api.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "backend_instance.hpp"
#include "dtype.hpp"
#include "error.hpp"
#include "logging.hpp"
#include "quantize.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plinth {

namespace {

plinth_status host_set_error(plinth_status status, const char *message) {
  set_last_error(message ? message : "");
  return status;
}

void host_log(int32_t level, const char *message) { log_message(level, message ? message : ""); }

const JsonConfig &cfg(const plinth_model_host *m) { return m->checkpoint->config(); }

int32_t host_config_type(const plinth_model_host *m, const char *key) {
  if (!m || !key) return PLINTH_CONFIG_MISSING;
  return cfg(m).type(key);
}

plinth_status missing(const char *key, const char *what) {
  set_last_error(std::string("config key '") + key + "' " + what);
  return PLINTH_ERR_NOT_FOUND;
}

plinth_status host_config_i64(const plinth_model_host *m, const char *key, int64_t *out) {
  if (!m || !key || !out) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || v->is_null()) return missing(key, "is not set");
  if (v->is_boolean()) return *out = v->get<bool>(), PLINTH_OK;
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    set_last_error(std::string("config key '") + key + "' is beyond int64");
    return PLINTH_ERR_INVALID_ARGUMENT;
  }
  if (v->is_number_integer()) return *out = v->get<int64_t>(), PLINTH_OK;
  if (v->is_number_float()) {
    const double d = v->get<double>();
    // 1e30 (or NaN) cast to int64 is undefined: only whole values inside int64's range pass.
    if (d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 &&
        d == static_cast<double>(static_cast<int64_t>(d)))
      return *out = static_cast<int64_t>(d), PLINTH_OK;
  }
  set_last_error(std::string("config key '") + key + "' is not an integer");
  return PLINTH_ERR_INVALID_ARGUMENT;
}

plinth_status host_config_f64(const plinth_model_host *m, const char *key, double *out) {
  if (!m || !key || !out) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || v->is_null()) return missing(key, "is not set");
  if (v->is_number()) return *out = v->get<double>(), PLINTH_OK;
  set_last_error(std::string("config key '") + key + "' is not a number");
  return PLINTH_ERR_INVALID_ARGUMENT;
}

plinth_status host_config_bool(const plinth_model_host *m, const char *key, int32_t *out) {
  if (!m || !key || !out) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || v->is_null()) return missing(key, "is not set");
  if (v->is_boolean()) return *out = v->get<bool>() ? 1 : 0, PLINTH_OK;
  if (v->is_number_integer()) return *out = v->get<int64_t>() != 0, PLINTH_OK;
  set_last_error(std::string("config key '") + key + "' is not a boolean");
  return PLINTH_ERR_INVALID_ARGUMENT;
}

plinth_status host_config_str(const plinth_model_host *m, const char *key, char *buf, size_t cap,
                              size_t *len) {
  if (!m || !key) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || v->is_null()) return missing(key, "is not set");
  if (!v->is_string()) {
    set_last_error(std::string("config key '") + key + "' is not a string");
    return PLINTH_ERR_INVALID_ARGUMENT;
  }
  const auto &s = v->get_ref<const std::string &>();
  if (len) *len = s.size();
  if (!buf || cap <= s.size()) {
    set_last_error(std::string("buffer too small for config key '") + key + "'");
    return PLINTH_ERR_BUFFER_TOO_SMALL;
  }
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return PLINTH_OK;
}

plinth_status host_config_len(const plinth_model_host *m, const char *key, int64_t *out) {
  if (!m || !key || !out) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || v->is_null()) return missing(key, "is not set");
  if (!v->is_array() && !v->is_object()) {
    set_last_error(std::string("config key '") + key + "' is neither an array nor an object");
    return PLINTH_ERR_INVALID_ARGUMENT;
  }
  *out = static_cast<int64_t>(v->size());
  return PLINTH_OK;
}

plinth_status host_config_key_at(const plinth_model_host *m, const char *key, int64_t index,
                                 char *buf, size_t cap) {
  if (!m || !key || !buf) return PLINTH_ERR_INVALID_ARGUMENT;
  const auto *v = cfg(m).find(key);
  if (!v || !v->is_object()) return missing(key, "is not an object");
  if (index < 0 || static_cast<size_t>(index) >= v->size()) {
    set_last_error("config member index out of range");
    return PLINTH_ERR_INVALID_ARGUMENT;
  }
  auto it = v->begin();
  std::advance(it, index);
  const std::string &k = it.key();
  if (cap <= k.size()) {
    set_last_error("buffer too small for config member name");
    return PLINTH_ERR_BUFFER_TOO_SMALL;
  }
  std::memcpy(buf, k.c_str(), k.size() + 1);
  return PLINTH_OK;
}

void fill_info(const TensorRecord &r, plinth_host_tensor *info) {
  info->name = r.name.c_str();
  info->dtype = r.dtype;
  info->ndim = static_cast<int32_t>(r.shape.size());
  for (int i = 0; i < PLINTH_MAX_DIMS; ++i)
    info->shape[i] = i < info->ndim ? r.shape[static_cast<size_t>(i)] : 1;
  info->data = const_cast<uint8_t *>(r.data);
}

plinth_status host_weight_info(const plinth_model_host *m, const char *name,
                               plinth_host_tensor *info) {
  if (!m || !name || !info) return PLINTH_ERR_INVALID_ARGUMENT;
  const TensorRecord *r = m->checkpoint->find(name);
  if (!r) return PLINTH_ERR_NOT_FOUND;
  fill_info(*r, info);
  return PLINTH_OK;
}

// Drops a weight's pages from this process once the backend holds its own copy: they are
// clean pages of a read-only file mapping, so this only lowers the resident set (and the
// page cache may reclaim them); a later read of the same bytes faults them back in from the
// file. Only whole pages inside the record are released, and only for records of 2 MiB or
// more: a small one (a norm vector) saves next to nothing, and unmapping part of a 2 MiB page
// would split the huge mapping its neighbours (weights read in place) are using.
void release_mapped_pages(const TensorRecord &r) {
  if (!r.in_mapping || r.nbytes < (size_t{2} << 20)) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto b = reinterpret_cast<uintptr_t>(r.data), e = b + r.nbytes;
  const uintptr_t pb = (b + page - 1) & ~(page - 1), pe = e & ~(page - 1);
  if (pe > pb) madvise(reinterpret_cast<void *>(pb), pe - pb, MADV_DONTNEED);
}

// A weight the backend reads in place from the mapping is read from the page cache's pages for
// every token: have its file cached in 2 MiB folios (see MappedFile::prefer_huge_pages), once
// per file and model load. Called only for weights the backend aliased: one that copied the
// bytes (a GPU backend) gains nothing from it.
// The re-read is load work a progress display should show: it adds the file's bytes to the
// total when it starts, and a cancel from the callback stops it (m->cancelled).
void prefer_huge_pages_for(plinth_model_host *m, const TensorRecord &r) {
  if (!m->huge_page_cache) return;
  MappedFile *file = m->checkpoint->mapping_of(r);
  if (!file) return;
  MappedFile::Progress progress;
  if (m->on_progress) {
    const uint64_t base = m->progress_done;
    progress = [m, base, counted = false](uint64_t done, uint64_t total) mutable {
      if (!counted) m->progress_total += total, counted = true;
      m->progress_done = base + done;
      if (m->on_progress(m->progress_user_data, m->progress_done, m->progress_total) == 0)
        return true;
      m->cancelled = true;
      return false;
    };
  }
  const HugePageResult h = file->prefer_huge_pages(size_t{64} << 20, progress);
  if (!h.first || m->cancelled) return; // logged by the call that did the work
  if (h.kind == HugePageResult::kMoved) {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  ": re-read %.2f GB into 2 MiB page-cache pages in %.2f s (%.2f GB now mapped "
                  "huge), for faster decoding; done once, later loads find them while the file "
                  "stays cached",
                  static_cast<double>(file->size()) / 1e9, h.seconds,
                  static_cast<double>(h.huge_bytes) / 1e9);
    log_message(PLINTH_LOG_INFO, file->path().string() + msg);
  } else if (h.kind == HugePageResult::kSlowStorage) {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  ": left in small page-cache pages: its storage read back at %.0f MB/s, too "
                  "slow for a re-read into 2 MiB pages to pay off",
                  h.read_bytes_per_s / 1e6);
    log_message(PLINTH_LOG_INFO, file->path().string() + msg);
  } else if (h.kind == HugePageResult::kUnsupported) {
    log_message(PLINTH_LOG_DEBUG, file->path().string() +
                                      ": the page cache cannot hold it in 2 MiB folios here "
                                      "(kernel or file system), it stays in small pages");
  }
}

bool is_float(int32_t dt) {
  return dt == PLINTH_DTYPE_F32 || dt == PLINTH_DTYPE_F16 || dt == PLINTH_DTYPE_BF16 ||
         dt == PLINTH_DTYPE_F64;
}

plinth_status host_weight_load(plinth_model_host *m, const char *name, int32_t dtype,
                               plinth_tensor **out) {
  if (!m || !name || !out) return PLINTH_ERR_INVALID_ARGUMENT;
  try {
    const TensorRecord *r = m->checkpoint->find(name);
    if (!r) {
      set_last_error("weight '" + std::string(name) + "' not found in " +
                     m->checkpoint->dir().string());
      return PLINTH_ERR_NOT_FOUND;
    }
    if (r->shape.size() > PLINTH_MAX_DIMS) {
      set_last_error("weight '" + std::string(name) + "' has more than 4 dimensions");
      return PLINTH_ERR_UNSUPPORTED;
    }
    int32_t want = dtype;
    const bool quantizable = r->shape.size() == 2 && row_bytes(PLINTH_DTYPE_Q8_0, r->shape[1]) > 0;
    if (want < 0) {
      // Policy: vectors (norms, biases) in the compute dtype; matrices in the load dtype;
      // matrices whose rows do not split into quantization blocks stay f32.
      if (!is_float(r->dtype))
        want = r->dtype == PLINTH_DTYPE_I64 ? PLINTH_DTYPE_I32 : r->dtype;
      else if (r->shape.size() < 2)
        want = PLINTH_DTYPE_F32;
      else if (is_quantized(m->load_dtype) && !quantizable)
        want = PLINTH_DTYPE_F32;
      else
        want = m->load_dtype;
    }
    if (is_quantized(want) && (!quantizable || !is_float(r->dtype))) {
      set_last_error("weight '" + std::string(name) + "' cannot be stored as " + dtype_name(want) +
                     " (needs a float matrix whose rows are a multiple of 32 values)");
      return PLINTH_ERR_INVALID_ARGUMENT;
    }
    auto key = std::make_pair(std::string(name), want);
    if (auto it = m->loaded.find(key); it != m->loaded.end()) {
      *out = it->second;
      return PLINTH_OK;
    }
    const BackendInstance &be = *m->backend;
    const int32_t ndim = static_cast<int32_t>(r->shape.size());
    int64_t shape[PLINTH_MAX_DIMS] = {1, 1, 1, 1};
    for (int32_t i = 0; i < ndim; ++i)
      shape[i] = r->shape[static_cast<size_t>(i)];
    plinth_tensor *t = nullptr;
    const bool aligned = reinterpret_cast<uintptr_t>(r->data) % dtype_size(r->dtype) == 0;
    if (want == r->dtype && aligned) {
      // Stored format is the device format: lend the mapped bytes (borrowed: no copy on a
      // host-memory backend), or with mmap_weights = false let the backend make its own copy
      // (see RuntimeConfig::mmap_weights).
      be.check(
          be.ops->tensor_from_host(be.ctx, want, ndim, shape, r->data, m->mmap_weights ? 1 : 0, &t),
          "uploading weight");
    } else if (is_quantized(want)) {
      // Straight from the mapping, a few rows at a time on the model's threads: no f32 copy.
      std::vector<uint8_t> q(static_cast<size_t>(r->shape[0]) * row_bytes(want, r->shape[1]));
      quantize_matrix(r->data, r->dtype, r->shape[0], r->shape[1], want, q.data(), be.n_threads);
      be.check(be.ops->tensor_from_host(be.ctx, want, ndim, shape, q.data(), 0, &t),
               "uploading weight");
    } else {
      std::vector<uint8_t> buf(static_cast<size_t>(r->numel()) * dtype_size(want));
      if (aligned || want != r->dtype) {
        std::vector<uint8_t> src;
        const void *sp = r->data;
        if (!aligned) {
          src.assign(r->data, r->data + r->nbytes);
          sp = src.data();
        }
        convert_elements(sp, r->dtype, buf.data(), want, static_cast<size_t>(r->numel()));
      } else {
        std::memcpy(buf.data(), r->data, r->nbytes);
      }
      be.check(be.ops->tensor_from_host(be.ctx, want, ndim, shape, buf.data(), 0, &t),
               "uploading weight");
    }
    m->loaded.emplace(key, t);
    *out = t;
    // Read in place (the backend aliased the mapped bytes): worth 2 MiB pages. Copied (another
    // dtype, quantized, mmap_weights = false, or a device backend): the mapping's pages are
    // no longer needed.
    if (m->mmap_weights && t && t->data == r->data)
      prefer_huge_pages_for(m, *r);
    else
      release_mapped_pages(*r);
    if (m->cancelled) {
      set_last_error("loading cancelled by the progress callback");
      return PLINTH_ERR_CANCELLED;
    }
    if (m->on_progress) {
      m->progress_done = std::min(m->progress_total, m->progress_done + r->nbytes);
      if (m->on_progress(m->progress_user_data, m->progress_done, m->progress_total) != 0) {
        m->cancelled = true;
        set_last_error("loading cancelled by the progress callback");
        return PLINTH_ERR_CANCELLED;
      }
    }
    return PLINTH_OK;
  } catch (const Error &e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::exception &e) {
    set_last_error(std::string("loading weight '") + name + "': " + e.what());
    return PLINTH_ERR_INTERNAL;
  }
}

int64_t host_weight_count(const plinth_model_host *m) {
  return m ? static_cast<int64_t>(m->checkpoint->tensors().size()) : 0;
}

const char *host_weight_name_at(const plinth_model_host *m, int64_t index) {
  if (!m || index < 0 || static_cast<size_t>(index) >= m->checkpoint->tensors().size())
    return nullptr;
  return m->checkpoint->tensors()[static_cast<size_t>(index)]->name.c_str();
}

const char *host_last_error() { return last_error(); }

const plinth_host_api kTable = {
    sizeof(plinth_host_api),  PLINTH_ABI_VERSION,       host_set_error,      host_log,
    host_config_type,         host_config_i64,          host_config_f64,     host_config_bool,
    host_config_str,          host_config_len,          host_config_key_at,  host_weight_info,
    host_weight_load,         host_weight_count,        host_weight_name_at, host_last_error,
    tok::host_tokenizer_file, tok::host_tokenizer_base,
};

} // namespace

const plinth_host_api *host_api_table() { return &kTable; }

} // namespace plinth

void plinth_model_host::free_weights() {
  if (backend)
    for (auto &[k, t] : loaded)
      backend->ops->tensor_free(backend->ctx, t);
  loaded.clear();
}
