// A backend plugin as one built against an older plinth_plugin.h would present itself: its
// operation table ends before the slots appended later (set_slice_dev and the four graph
// slots), and its struct_size says so. The operations themselves are the real CPU backend's
// (opened by path), so the golden cases and the demo generation must come out the same: the
// core and the model plugins read the table only as far as struct_size reaches and run the
// step without device-side positions or graphs (ABI rule 3, docs/ARCHITECTURE.md).
#include <dlfcn.h>

#include <cstddef>
#include <string>

#include "plinth_plugin.h"

namespace {

plinth_backend_ops g_ops;
plinth_backend_vtable g_vtable;
plinth_plugin_descriptor g_descriptor;

const plinth_plugin_descriptor *old_layout_entry(const plinth_host_api *host) {
  void *lib = dlopen(PLINTH_CPU_BACKEND_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  auto entry = lib ? reinterpret_cast<plinth_plugin_entry_fn>(dlsym(lib, PLINTH_PLUGIN_ENTRY_SYMBOL))
                   : nullptr;
  const plinth_plugin_descriptor *cpu = entry ? entry(host) : nullptr;
  if (!cpu) {
    host->set_error(PLINTH_ERR_NOT_FOUND,
                    (std::string("old-layout test backend: cannot open ") +
                     PLINTH_CPU_BACKEND_LIBRARY + ": " + (lib ? "no entry" : dlerror()))
                        .c_str());
    return nullptr;
  }
  g_vtable = *static_cast<const plinth_backend_vtable *>(cpu->vtable);
  g_ops = *g_vtable.ops;
  g_ops.struct_size = offsetof(plinth_backend_ops, set_slice_dev); // the older table's end
  g_ops.set_slice_dev = nullptr; // beyond struct_size: must not be read, poisoned to be sure
  g_vtable.ops = &g_ops;
  g_descriptor = *cpu;
  g_descriptor.name = "cpu_old_layout";
  g_descriptor.vtable = &g_vtable;
  return &g_descriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(old_layout_entry)
