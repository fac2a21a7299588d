#include "plugin_registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <set>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include "error.hpp"
#include "host_api.hpp"
#include "logging.hpp"

namespace fs = std::filesystem;

namespace plinth {

namespace {
std::vector<fs::path> split_paths(const std::string &s) {
  std::vector<fs::path> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t c = s.find(':', pos);
    std::string part = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
    if (!part.empty()) out.emplace_back(part);
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return out;
}

fs::path this_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&default_plugin_dirs), &info) && info.dli_fname)
    return fs::absolute(fs::path(info.dli_fname)).parent_path();
  return {};
}

fs::path executable_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p.parent_path();
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}
} // namespace

std::vector<fs::path> default_plugin_dirs() {
  std::vector<fs::path> dirs;
  if (const char *env = std::getenv("PLINTH_PLUGIN_PATH"))
    for (auto &p : split_paths(env)) dirs.push_back(p);
  if (auto lib = this_library_dir(); !lib.empty()) dirs.push_back(lib / "plinth" / "plugins");
  if (auto exe = executable_dir(); !exe.empty()) {
    dirs.push_back(exe.parent_path() / "lib" / "plinth" / "plugins");
    dirs.push_back(exe / "plugins");
  }
  return dirs;
}

void PluginRegistry::discover(const std::vector<fs::path> &dirs) {
  std::set<fs::path> seen_dirs;
  for (const auto &d : dirs) {
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(d, ec);
    if (ec) canon = d;
    if (!seen_dirs.insert(canon).second) continue;
    searched_.push_back(canon);
    if (!fs::is_directory(canon, ec)) continue;
    std::vector<fs::path> manifests;
    for (auto &f : fs::directory_iterator(canon, ec))
      if (f.path().extension() == ".toml") manifests.push_back(f.path());
    std::sort(manifests.begin(), manifests.end());
    for (auto &m : manifests) {
      PluginEntry e;
      try {
        e.manifest = read_plugin_manifest(m);
      } catch (const Error &err) {
        e.manifest.path = m;
        e.manifest.name = m.stem().string();
        e.manifest.kind = "unknown";
        e.state = PLINTH_PLUGIN_STATE_REJECTED;
        e.message = err.what();
        entries_.push_back(std::move(e));
        continue;
      }
      e.serves_joined = join(e.manifest.serves);
      auto dup = std::find_if(entries_.begin(), entries_.end(), [&](const PluginEntry &x) {
        return x.manifest.name == e.manifest.name && x.state != PLINTH_PLUGIN_STATE_REJECTED;
      });
      if (dup != entries_.end()) {
        e.state = PLINTH_PLUGIN_STATE_REJECTED;
        e.message = "shadowed by " + dup->manifest.path.string();
      } else if (e.manifest.abi_version != PLINTH_ABI_VERSION) {
        e.state = PLINTH_PLUGIN_STATE_REJECTED;
        e.message = "manifest declares ABI version " + std::to_string(e.manifest.abi_version) +
                    ", this runtime implements ABI version " + std::to_string(PLINTH_ABI_VERSION) +
                    " (rebuild the plugin against this SDK); library not opened";
      }
      if (e.state == PLINTH_PLUGIN_STATE_REJECTED)
        log_message(PLINTH_LOG_INFO, "plugin " + e.manifest.name + " rejected: " + e.message);
      entries_.push_back(std::move(e));
    }
  }
}

bool PluginRegistry::open(PluginEntry &e) {
  if (e.state == PLINTH_PLUGIN_STATE_LOADED) return true;
  if (e.state == PLINTH_PLUGIN_STATE_REJECTED) return false;
  auto reject = [&](const std::string &why) {
    e.state = PLINTH_PLUGIN_STATE_REJECTED;
    e.message = why;
    e.descriptor = nullptr;
    log_message(PLINTH_LOG_WARN, "plugin " + e.manifest.name + " rejected: " + why);
    return false;
  };
  if (!fs::exists(e.manifest.library))
    return reject("library " + e.manifest.library.string() + " not found");
  // stat, not open: dlopen of a FIFO would block forever.
  if (!fs::is_regular_file(e.manifest.library))
    return reject("library " + e.manifest.library.string() + " is not a regular file");
  try {
    // RTLD_LOCAL: plugins never see each other's symbols; RTLD_NOW: unresolved symbols fail
    // here, with a message, rather than later in the middle of a forward pass.
    e.library = std::make_shared<boost::dll::shared_library>(
        e.manifest.library.string(),
        boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception &ex) {
    return reject(std::string("cannot open library: ") + ex.what());
  }
  if (!e.library->has(PLINTH_PLUGIN_ENTRY_SYMBOL))
    return reject(std::string("library does not export ") + PLINTH_PLUGIN_ENTRY_SYMBOL);
  auto entry = e.library->get<const plinth_plugin_descriptor *(const plinth_host_api *)>(
      PLINTH_PLUGIN_ENTRY_SYMBOL);
  const plinth_plugin_descriptor *d = nullptr;
  try {
    d = entry(host_api_table());
  } catch (...) {
    return reject("entry point threw an exception");
  }
  if (!d) return reject("entry point returned no descriptor");
  if (d->struct_size < offsetof(plinth_plugin_descriptor, vtable) + sizeof(void *))
    return reject("descriptor too small (struct_size " + std::to_string(d->struct_size) + ")");
  if (d->abi_version != PLINTH_ABI_VERSION)
    return reject("built for ABI version " + std::to_string(d->abi_version) +
                  ", this runtime implements ABI version " + std::to_string(PLINTH_ABI_VERSION));
  const int32_t want_kind =
      e.manifest.kind == "architecture" ? PLINTH_PLUGIN_ARCHITECTURE : PLINTH_PLUGIN_BACKEND;
  if (d->kind != want_kind) return reject("descriptor kind does not match the manifest");
  if (!d->name || e.manifest.name != d->name)
    return reject("descriptor name does not match the manifest name '" + e.manifest.name + "'");
  if (!d->vtable) return reject("descriptor has no vtable");
  e.descriptor = d;
  if (want_kind == PLINTH_PLUGIN_ARCHITECTURE) {
    const auto *v = e.arch();
    if (v->struct_size < offsetof(plinth_arch_vtable, session_step) + sizeof(void *) ||
        !v->model_create || !v->model_free || !v->forward || !v->model_info)
      return reject("architecture table is incomplete");
    if (const plinth_tokenizer_vtable *t = e.tokenizer_table();
        t != nullptr &&
        (t->struct_size < offsetof(plinth_tokenizer_vtable, padding_left) + sizeof(void *) ||
         !t->create || !t->free || !t->encode || !t->decode))
      return reject("tokenizer table is incomplete");
  } else {
    const auto *v = e.backend();
    // Up to the last member ABI 1 requires, not sizeof: a table that grows later must not
    // turn away the backends built before it (members past struct_size are never read).
    if (v->struct_size < offsetof(plinth_backend_vtable, ops) + sizeof(void *) ||
        !v->context_create || !v->context_free || !v->ops || !v->device_count)
      return reject("backend table is incomplete");
  }
  e.state = PLINTH_PLUGIN_STATE_LOADED;
  log_message(PLINTH_LOG_DEBUG, "loaded plugin " + e.manifest.name + " from " +
                                    e.manifest.library.string());
  return true;
}

void PluginRegistry::open_all() {
  for (auto &e : entries_) open(e);
}

PluginEntry &PluginRegistry::architecture_for(const std::string &model_type) {
  std::string rejected;
  for (auto &e : entries_) {
    if (e.manifest.kind != "architecture") continue;
    if (std::find(e.manifest.serves.begin(), e.manifest.serves.end(), model_type) ==
        e.manifest.serves.end())
      continue;
    if (open(e)) return e;
    rejected += "; plugin " + e.manifest.name + " was rejected: " + e.message;
  }
  throw Error(PLINTH_ERR_NOT_FOUND, "no plugin serves model_type '" + model_type + "'" + rejected);
}

PluginEntry &PluginRegistry::backend(const std::string &name) {
  std::string rejected;
  for (auto &e : entries_) {
    if (e.manifest.kind != "backend") continue;
    const bool match = e.manifest.name == name ||
                       std::find(e.manifest.serves.begin(), e.manifest.serves.end(), name) !=
                           e.manifest.serves.end();
    if (!match) continue;
    if (open(e)) return e;
    rejected += "; plugin " + e.manifest.name + " was rejected: " + e.message;
  }
  std::string dirs;
  for (auto &d : searched_) dirs += (dirs.empty() ? "" : ", ") + d.string();
  throw Error(PLINTH_ERR_NOT_FOUND,
              "no backend plugin '" + name + "' found (searched: " + dirs + ")" + rejected);
}

} // namespace plinth
