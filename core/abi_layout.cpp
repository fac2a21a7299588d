// The released layouts of ABI 1, checked at compile time (as ONNX Runtime checks its API
// tables): every struct of abi/ with its size on LP64 targets (x86-64, aarch64) and its last
// member. A struct may only grow by members appended at its end, and then this table gets the
// new size and last member in the same change — anything else (a reordered, resized or
// inserted member) fails the build here. The rules checked (docs/ARCHITECTURE.md, "ABI rules"):
//  - versioned structs start with uint32_t struct_size;
//  - no struct ends in padding: a member appended later must not land in bytes that an older
//    caller's struct left uninitialised (a reserved member fills the gap instead).
#include <cstddef>
#include <cstdint>

#include "plinth.h"
#include "plinth_plugin.h"

namespace {

template <class S> constexpr bool ends_at(size_t end) { return end == sizeof(S); }

} // namespace

#define PLINTH_FIXED_LAYOUT(S, size, last)                                                        \
  static_assert(ends_at<S>(offsetof(S, last) + sizeof(((S *)nullptr)->last)),                     \
                #S " ends in padding: add a reserved member");                                    \
  static_assert(UINTPTR_MAX != UINT64_MAX || sizeof(S) == (size),                                 \
                #S " changed size: ABI 1 layouts may only grow at the end (update the table)")
#define PLINTH_VERSIONED_LAYOUT(S, size, last)                                                    \
  PLINTH_FIXED_LAYOUT(S, size, last);                                                             \
  static_assert(offsetof(S, struct_size) == 0 && sizeof(((S *)nullptr)->struct_size) == 4,        \
                #S " must start with uint32_t struct_size")

// plinth_host_tensor and plinth_tensor are elements of arrays and never grow: no struct_size.
PLINTH_FIXED_LAYOUT(plinth_host_tensor, 56, data);
PLINTH_VERSIONED_LAYOUT(plinth_runtime_options, 48, log_user_data);
PLINTH_VERSIONED_LAYOUT(plinth_plugin_info, 64, description);
PLINTH_VERSIONED_LAYOUT(plinth_model_options, 56, progress_user_data);
PLINTH_VERSIONED_LAYOUT(plinth_model_info, 104, weight_bytes);
PLINTH_VERSIONED_LAYOUT(plinth_forward_options, 16, wanted);
PLINTH_VERSIONED_LAYOUT(plinth_generate_options, 56, user_data);
PLINTH_VERSIONED_LAYOUT(plinth_encode_options, 40, kwargs_json);
PLINTH_VERSIONED_LAYOUT(plinth_session_options, 12, max_tokens);
PLINTH_VERSIONED_LAYOUT(plinth_decode_options, 8, skip_special_tokens);
PLINTH_FIXED_LAYOUT(plinth_tensor, 56, backend_data);
PLINTH_VERSIONED_LAYOUT(plinth_attention_args, 112, q_offset_dev);
PLINTH_VERSIONED_LAYOUT(plinth_rope_args, 64, reserved);
PLINTH_VERSIONED_LAYOUT(plinth_matmul_args, 48, beta);
PLINTH_VERSIONED_LAYOUT(plinth_backend_ops, 272, graph_free);
PLINTH_VERSIONED_LAYOUT(plinth_backend_options, 12, device_index);
PLINTH_VERSIONED_LAYOUT(plinth_backend_vtable, 64, extension);
PLINTH_VERSIONED_LAYOUT(plinth_machine_reference_ext, 16, gemm_f32_gflops);
PLINTH_VERSIONED_LAYOUT(plinth_host_api, 136, tokenizer_base);
PLINTH_VERSIONED_LAYOUT(plinth_model_env, 64, reserved);
PLINTH_VERSIONED_LAYOUT(plinth_arch_model_info, 32, reserved);
PLINTH_VERSIONED_LAYOUT(plinth_forward_io, 48, emit);
PLINTH_VERSIONED_LAYOUT(plinth_step_io, 40, logits);
PLINTH_VERSIONED_LAYOUT(plinth_arch_vtable, 104, tokenizer);
PLINTH_VERSIONED_LAYOUT(plinth_encode_io, 80, emit);
PLINTH_VERSIONED_LAYOUT(plinth_tokenizer_vtable, 88, padding_left);
PLINTH_VERSIONED_LAYOUT(plinth_tokenizer_env, 40, tokenizer_class);
PLINTH_VERSIONED_LAYOUT(plinth_plugin_descriptor, 40, vtable);
