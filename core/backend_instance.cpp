#include "backend_instance.hpp"

#include "error.hpp"

namespace plinth {

BackendInstance::BackendInstance(PluginEntry &p, int32_t n_threads)
    : plugin(p), n_threads(n_threads) {
  const auto *vt = p.backend();
  if (vt->device_count() <= 0)
    throw Error(PLINTH_ERR_BACKEND,
                "backend '" + p.manifest.name + "' found no device on this machine");
  plinth_backend_options o{};
  o.struct_size = sizeof o;
  o.n_threads = n_threads;
  o.device_index = 0;
  set_last_error("");
  const plinth_status st = vt->context_create(&o, &ctx);
  if (st != PLINTH_OK || !ctx)
    throw Error(st == PLINTH_OK ? PLINTH_ERR_BACKEND : st,
                "backend '" + p.manifest.name + "' failed to start: " + last_error());
  ops = vt->ops;
  if (ops->struct_size < offsetof(plinth_backend_ops, attention) + sizeof(void *)) {
    vt->context_free(ctx);
    throw Error(PLINTH_ERR_ABI_MISMATCH,
                "backend '" + p.manifest.name + "' has an incomplete op table");
  }
  description = vt->describe ? vt->describe(ctx) : p.manifest.name;
}

BackendInstance::~BackendInstance() {
  if (ctx) plugin.backend()->context_free(ctx);
}

void BackendInstance::check(plinth_status st, const char *what) const {
  if (st != PLINTH_OK)
    throw Error(st, std::string(what) + " failed on backend '" + plugin.manifest.name +
                        "': " + last_error());
}

} // namespace plinth
