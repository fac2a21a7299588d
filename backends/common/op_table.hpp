// The op table (plinth_backend_ops) every backend implements, named once: each backend
// declares its ops with PLINTH_DECLARE_BACKEND_OPS() inside its own namespace and fills
// its table with PLINTH_BACKEND_OPS_INIT. The declarations take their types from
// the ABI struct's fields, so a definition that drifts from the ABI fails to link.
#pragma once

#include "plinth_plugin.h"

#include <type_traits>

// The fields of plinth_backend_ops after struct_size, in their order.
#define PLINTH_BACKEND_OP_NAMES(X)                                                                 \
  X(tensor_new)                                                                                    \
  X(tensor_from_host)                                                                              \
  X(tensor_view)                                                                                   \
  X(tensor_free)                                                                                   \
  X(write)                                                                                         \
  X(read)                                                                                          \
  X(synchronize)                                                                                   \
  X(fill)                                                                                          \
  X(copy)                                                                                          \
  X(permute)                                                                                       \
  X(slice)                                                                                         \
  X(set_slice)                                                                                     \
  X(get_rows)                                                                                      \
  X(linear)                                                                                        \
  X(matmul)                                                                                        \
  X(linear_indexed)                                                                                \
  X(unary)                                                                                         \
  X(binary)                                                                                        \
  X(affine)                                                                                        \
  X(layer_norm)                                                                                    \
  X(rms_norm)                                                                                      \
  X(softmax)                                                                                       \
  X(reduce)                                                                                        \
  X(argmax)                                                                                        \
  X(topk)                                                                                          \
  X(rope)                                                                                          \
  X(attention)                                                                                     \
  X(conv1d_depthwise)

#define PLINTH_DECLARE_BACKEND_OP_(name)                                                           \
  std::remove_pointer_t<decltype(plinth_backend_ops::name)> name;
#define PLINTH_DECLARE_BACKEND_OPS() PLINTH_BACKEND_OP_NAMES(PLINTH_DECLARE_BACKEND_OP_)

#define PLINTH_BACKEND_OP_ENTRY_(name) ops::name,
// The initializer of a plinth_backend_ops whose functions are ops::<name>, `ops` as seen from
// where it is used.
#define PLINTH_BACKEND_OPS_INIT                                                                    \
  { sizeof(plinth_backend_ops), PLINTH_BACKEND_OP_NAMES(PLINTH_BACKEND_OP_ENTRY_) }
