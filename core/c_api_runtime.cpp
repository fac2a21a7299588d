// C API: runtime creation and plugin listing.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "c_api_internal.hpp"
#include "logging.hpp"

using namespace plinth;

extern "C" {

PLINTH_EXPORT void plinth_runtime_options_init(plinth_runtime_options *o, size_t size) {
  plinth_runtime_options d{};
  d.struct_size = sizeof d;
  d.log_level = -1;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_runtime_create(const plinth_runtime_options *opts,
                                                  plinth_runtime **out) {
  return guarded([&] {
    require(out != nullptr, "plinth_runtime_create: out is NULL");
    require_struct_size(opts);
    auto rt = std::make_shared<Runtime>();
    const char *cfg = field_or(opts, &plinth_runtime_options::config_file, (const char *)nullptr);
    if (!cfg) cfg = std::getenv("PLINTH_CONFIG");
    if (cfg && *cfg) rt->config = read_runtime_config(cfg);
    int32_t level = field_or(opts, &plinth_runtime_options::log_level, -1);
    if (level < 0) level = rt->config.log_level.value_or(PLINTH_LOG_WARN);
    log_configure(level, field_or(opts, &plinth_runtime_options::log_fn, (plinth_log_fn) nullptr),
                  field_or(opts, &plinth_runtime_options::log_user_data, (void *)nullptr));
    int32_t threads = field_or(opts, &plinth_runtime_options::n_threads, 0);
    check_limit(threads, rt->config.limits.threads, "threads", "plinth_runtime_create: n_threads");
    if (threads <= 0) threads = rt->config.threads; // read_runtime_config bounds it
    if (threads <= 0) threads = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
    rt->n_threads = threads;
    std::vector<std::filesystem::path> dirs;
    if (const char *p = field_or(opts, &plinth_runtime_options::plugin_path, (const char *)nullptr)) {
      std::string s(p);
      size_t pos = 0;
      while (pos <= s.size()) {
        size_t c = s.find(':', pos);
        std::string part = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
        if (!part.empty()) dirs.emplace_back(part);
        if (c == std::string::npos) break;
        pos = c + 1;
      }
    }
    for (auto &p : rt->config.plugin_paths) dirs.push_back(p);
    for (auto &p : default_plugin_dirs()) dirs.push_back(p);
    rt->registry.discover(dirs);
    *out = new plinth_runtime{std::move(rt)};
  });
}

PLINTH_EXPORT void plinth_runtime_free(plinth_runtime *rt) { delete rt; }

PLINTH_EXPORT plinth_status plinth_runtime_scan_plugins(plinth_runtime *rt) {
  return guarded([&] {
    require(rt != nullptr, "runtime is NULL");
    std::lock_guard<std::mutex> lock(rt->rt->mutex);
    rt->rt->registry.open_all();
  });
}

PLINTH_EXPORT int32_t plinth_runtime_plugin_count(const plinth_runtime *rt) {
  return rt ? static_cast<int32_t>(rt->rt->registry.entries().size()) : 0;
}

PLINTH_EXPORT plinth_status plinth_runtime_plugin_at(const plinth_runtime *rt, int32_t index,
                                                     plinth_plugin_info *out) {
  return guarded([&] {
    require(rt && out, "runtime or out is NULL");
    const auto &entries = rt->rt->registry.entries();
    require(index >= 0 && static_cast<size_t>(index) < entries.size(), "plugin index out of range");
    const auto &e = entries[static_cast<size_t>(index)];
    plinth_plugin_info info{};
    info.struct_size = sizeof info;
    info.name = e.manifest.name.c_str();
    info.kind = e.manifest.kind.c_str();
    info.path = e.manifest.path.c_str();
    info.serves = e.serves_joined.c_str();
    info.state = e.state;
    info.abi_version = e.descriptor ? e.descriptor->abi_version : e.manifest.abi_version;
    info.message = e.message.c_str();
    info.description = e.manifest.description.c_str();
    copy_info_out(info, out);
  });
}

PLINTH_EXPORT plinth_status plinth_runtime_backend_extension(plinth_runtime *rt,
                                                             const char *backend, const char *name,
                                                             const void **out) {
  return guarded([&] {
    require(rt && backend && name && out, "runtime, backend, name or out is NULL");
    std::lock_guard<std::mutex> lock(rt->rt->mutex);
    const plinth_backend_vtable *vt = rt->rt->registry.backend(backend).backend();
    const bool has_slot =
        vt->struct_size >= offsetof(plinth_backend_vtable, extension) + sizeof(vt->extension) &&
        vt->extension;
    const void *ext = has_slot ? vt->extension(name) : nullptr;
    if (!ext)
      throw Error(PLINTH_ERR_NOT_FOUND,
                  "backend '" + std::string(backend) + "' offers no extension '" + name + "'");
    *out = ext;
  });
}

PLINTH_EXPORT plinth_status plinth_runtime_backend_devices(plinth_runtime *rt, const char *backend,
                                                           int32_t *count) {
  return guarded([&] {
    require(rt && backend && count, "runtime, backend or count is NULL");
    std::lock_guard<std::mutex> lock(rt->rt->mutex);
    auto &e = rt->rt->registry.backend(backend);
    *count = e.backend()->device_count();
  });
}

} // extern "C"
