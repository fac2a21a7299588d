// An architecture plugin as one built against an older plinth_plugin.h would present itself:
// its table ends before the tokenizer members appended later (tokenizer_classes, tokenizer),
// and its struct_size says so. The model itself is the real Mistral plugin's (opened by path),
// so the golden cases and the demo generation must come out the same: the core reads the
// table only as far as struct_size reaches (ABI rule 3, docs/ARCHITECTURE.md).
#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "plinth_plugin.h"

namespace {

plinth_arch_vtable g_vtable;
plinth_plugin_descriptor g_descriptor;

const plinth_plugin_descriptor *old_layout_entry(const plinth_host_api *host) {
  void *lib = dlopen(PLINTH_MISTRAL_PLUGIN_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  auto entry =
      lib ? reinterpret_cast<plinth_plugin_entry_fn>(dlsym(lib, PLINTH_PLUGIN_ENTRY_SYMBOL))
          : nullptr;
  const plinth_plugin_descriptor *real = entry ? entry(host) : nullptr;
  if (!real) {
    host->set_error(PLINTH_ERR_NOT_FOUND,
                    (std::string("old-layout test plugin: cannot open ") +
                     PLINTH_MISTRAL_PLUGIN_LIBRARY + ": " + (lib ? "no entry" : dlerror()))
                        .c_str());
    return nullptr;
  }
  g_vtable = *static_cast<const plinth_arch_vtable *>(real->vtable);
  g_vtable.struct_size = offsetof(plinth_arch_vtable, tokenizer_classes); // the older end
  // Beyond struct_size: must not be read, poisoned to be sure.
  g_vtable.tokenizer_classes = reinterpret_cast<const char *const *>(uintptr_t{1});
  g_vtable.tokenizer = reinterpret_cast<const plinth_tokenizer_vtable *>(uintptr_t{1});
  g_descriptor = *real;
  g_descriptor.name = "mistral_old_layout";
  g_descriptor.vtable = &g_vtable;
  return &g_descriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(old_layout_entry)
