// The op table (plinth_backend_ops) every backend implements, named once: each backend
// declares its ops with PLINTH_DECLARE_BACKEND_OPS() inside its own namespace and fills
// its table with PLINTH_BACKEND_OPS_INIT. The declarations take their types from
// the ABI struct's fields, so a definition that drifts from the ABI fails to link.
#pragma once

#include "plinth_plugin.h"

#include <cstddef>
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
  X(conv1d_depthwise)                                                                              \
  X(set_slice_dev)

// The graph slots that follow (plinth_backend_ops' last members): a backend without graph
// capture leaves them NULL (PLINTH_BACKEND_OPS_INIT_NO_GRAPHS) and its callers run eagerly.
#define PLINTH_BACKEND_GRAPH_OP_NAMES(X)                                                           \
  X(graph_begin)                                                                                   \
  X(graph_end)                                                                                     \
  X(graph_launch)                                                                                  \
  X(graph_free)

#define PLINTH_DECLARE_BACKEND_OP_(name)                                                           \
  std::remove_pointer_t<decltype(plinth_backend_ops::name)> name;
#define PLINTH_DECLARE_BACKEND_OPS()                                                               \
  PLINTH_BACKEND_OP_NAMES(PLINTH_DECLARE_BACKEND_OP_)                                              \
  PLINTH_BACKEND_GRAPH_OP_NAMES(PLINTH_DECLARE_BACKEND_OP_)

#define PLINTH_BACKEND_OP_ENTRY_(name) ops::name,
// The initializer of a plinth_backend_ops whose functions are ops::<name>, `ops` as seen from
// where it is used.
#define PLINTH_BACKEND_OPS_INIT                                                                    \
  {                                                                                                \
    sizeof(plinth_backend_ops), PLINTH_BACKEND_OP_NAMES(PLINTH_BACKEND_OP_ENTRY_)                  \
                                    PLINTH_BACKEND_GRAPH_OP_NAMES(PLINTH_BACKEND_OP_ENTRY_)        \
  }
#define PLINTH_BACKEND_OP_NULL_(name) nullptr,
// The same with the graph slots NULL (a backend that runs every op eagerly).
#define PLINTH_BACKEND_OPS_INIT_NO_GRAPHS                                                          \
  {                                                                                                \
    sizeof(plinth_backend_ops), PLINTH_BACKEND_OP_NAMES(PLINTH_BACKEND_OP_ENTRY_)                  \
                                    PLINTH_BACKEND_GRAPH_OP_NAMES(PLINTH_BACKEND_OP_NULL_)         \
  }

// Every slot after struct_size is named above, in order: a slot added to the ABI without a
// name here fails to compile rather than leaving a table silently short.
#define PLINTH_BACKEND_OP_COUNT_(name) +1
static_assert(sizeof(plinth_backend_ops) ==
                  offsetof(plinth_backend_ops, tensor_new) +
                      sizeof(void *) *
                          (0 PLINTH_BACKEND_OP_NAMES(PLINTH_BACKEND_OP_COUNT_)
                               PLINTH_BACKEND_GRAPH_OP_NAMES(PLINTH_BACKEND_OP_COUNT_)),
              "op_table.hpp does not name every slot of plinth_backend_ops");
