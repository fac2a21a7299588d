/* A plugin that claims an ABI version this runtime does not implement. The core must refuse
 * it with a message and keep working (tests/unit/core_plugin_registry_test.cpp, CTest
 * cli_plugins_rejects_bad_abi). */
#include "plinth_plugin.h"

static const char *const kTypes[] = {"bad_abi_model", 0};
static const plinth_arch_vtable kVtable = {
    sizeof(plinth_arch_vtable), kTypes, kTypes, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const plinth_plugin_descriptor kDesc = {sizeof(plinth_plugin_descriptor), 999u,
                                               PLINTH_PLUGIN_ARCHITECTURE, "bad_abi", "0.0",
                                               &kVtable};

static const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
  (void)host;
  return &kDesc;
}
PLINTH_DEFINE_PLUGIN_ENTRY(entry)
