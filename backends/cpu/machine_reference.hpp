// Extension tables the CPU backend offers by name (plinth_backend_vtable.extension).
#pragma once

#include "plinth_plugin.h"

namespace plinth::cpu {

// The table for `name`, or nullptr: "plinth.machine_reference" (machine_reference.cpp).
const void *backend_extension(const char *name);

} // namespace plinth::cpu
