/*
 * plinth.h — the host API: what programs in C, C++, Rust, Go or Python call.
 *
 * Conventions
 *  - Opaque handles: plinth_runtime, plinth_model, plinth_session, plinth_tokenizer,
 *    plinth_encoding, plinth_outputs. Each has a *_free that accepts NULL. A handle is freed
 *    once: freeing it twice, or using it after its *_free, is undefined behaviour that the
 *    library cannot detect. What it can make safe, it does: sessions and tokenizer handles
 *    keep what they use alive after plinth_model_free, models keep their runtime's plugins,
 *    and a callback may free the model it is called for (see plinth_model_free).
 *  - Every fallible call returns plinth_status; on failure the outputs are left untouched and
 *    plinth_last_error() (thread-local, valid until the thread's next failing call) says why.
 *  - Option structs are versioned: struct_size first. Always fill one with its *_init function,
 *    passing sizeof the struct as the program sees it: plinth_model_options_init(&o, sizeof o).
 *    It writes at most that many bytes (so an older, smaller struct is never overrun), sets
 *    struct_size and every default; the library reads only the fields that fit in struct_size,
 *    so a program built with an older header keeps working with a newer library. A NULL
 *    options pointer means every default. struct_size 0 (a struct never initialised) is
 *    refused with PLINTH_ERR_INVALID_ARGUMENT by every call, options and info structs alike.
 *  - Info structs (plinth_model_info, plinth_plugin_info) are filled by the library: set
 *    struct_size = sizeof before the call; at most struct_size bytes are written, and
 *    struct_size is set to the number written.
 *  - Strings are UTF-8, NUL-terminated unless a length is given. No exception crosses.
 *  - Threading: a runtime and a loaded model may be shared across threads; the library
 *    serialises calls that use the same model. A session is used by one thread at a time.
 */
#ifndef PLINTH_H
#define PLINTH_H

#include "plinth_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct plinth_runtime plinth_runtime;
typedef struct plinth_model plinth_model;
typedef struct plinth_session plinth_session;
typedef struct plinth_tokenizer plinth_tokenizer;
typedef struct plinth_encoding plinth_encoding;
typedef struct plinth_outputs plinth_outputs;

/* ---------------------------------------------------------------- basics ---------- */

PLINTH_EXPORT uint32_t plinth_abi_version(void); /* == PLINTH_ABI_VERSION of the library */
/* The library's version (PLINTH_VERSION_NUMBER / _STRING of the library, which may be newer
 * than the header a program was built with). */
PLINTH_EXPORT uint32_t plinth_version_number(void);
PLINTH_EXPORT const char *plinth_version_string(void);
PLINTH_EXPORT const char *plinth_last_error(void);
PLINTH_EXPORT const char *plinth_status_string(plinth_status status);
PLINTH_EXPORT const char *plinth_dtype_name(int32_t dtype);
PLINTH_EXPORT size_t plinth_dtype_size(int32_t dtype); /* 0 for block-quantized dtypes */
/* Bytes of one row of n elements (works for block-quantized dtypes too; 0 if n does not fit). */
PLINTH_EXPORT size_t plinth_dtype_row_bytes(int32_t dtype, int64_t n);

/* ---------------------------------------------------------------- runtime --------- */

typedef void (*plinth_log_fn)(void *user_data, int32_t level, const char *message);

typedef struct plinth_runtime_options {
  uint32_t struct_size;
  const char *plugin_path; /* extra plugin directories, ':'-separated; NULL = none */
  const char *config_file; /* plinth.toml; NULL = $PLINTH_CONFIG or none */
  int32_t log_level;       /* plinth_log_level; -1 = from config (default: warnings) */
  int32_t n_threads;       /* 0 = from config, else all cores */
  plinth_log_fn log_fn;    /* NULL = stderr */
  void *log_user_data;
} plinth_runtime_options;

PLINTH_EXPORT void plinth_runtime_options_init(plinth_runtime_options *opts, size_t size);
PLINTH_EXPORT plinth_status plinth_runtime_create(const plinth_runtime_options *opts,
                                                  plinth_runtime **out);
PLINTH_EXPORT void plinth_runtime_free(plinth_runtime *rt);

typedef enum plinth_plugin_state {
  PLINTH_PLUGIN_STATE_AVAILABLE = 0, /* manifest read, library not opened yet */
  PLINTH_PLUGIN_STATE_LOADED = 1,
  PLINTH_PLUGIN_STATE_REJECTED = 2
} plinth_plugin_state;

typedef struct plinth_plugin_info {
  uint32_t struct_size;
  const char *name;
  const char *kind;    /* "architecture" or "backend" */
  const char *path;    /* manifest or library path */
  const char *serves;  /* model types or device kinds, comma-separated */
  int32_t state;       /* plinth_plugin_state */
  uint32_t abi_version;
  const char *message; /* why it was rejected, or "" */
  /* Appended in ABI 1 (present when struct_size covers it): what the plugin is for, from its
   * manifest's optional `description` ("" when it has none). */
  const char *description;
} plinth_plugin_info;

/* Opens every discovered plugin (to validate it) and lists them. Strings stay valid while the
 * runtime lives. plinth_plugin_info is an info struct (see Conventions above). */
PLINTH_EXPORT plinth_status plinth_runtime_scan_plugins(plinth_runtime *rt);
PLINTH_EXPORT int32_t plinth_runtime_plugin_count(const plinth_runtime *rt);
PLINTH_EXPORT plinth_status plinth_runtime_plugin_at(const plinth_runtime *rt, int32_t index,
                                                     plinth_plugin_info *out);
/* Number of devices a backend reports (0 for a GPU backend on a machine without a GPU). */
/* A named extension table of a backend plugin (plinth_plugin.h, PLINTH_EXTENSION_*; cast *out
 * to the table type the name documents). NOT_FOUND when the backend does not offer it. The
 * table stays valid while the runtime lives. */
PLINTH_EXPORT plinth_status plinth_runtime_backend_extension(plinth_runtime *rt,
                                                             const char *backend, const char *name,
                                                             const void **out);
PLINTH_EXPORT plinth_status plinth_runtime_backend_devices(plinth_runtime *rt,
                                                           const char *backend,
                                                           int32_t *count);

/* ---------------------------------------------------------------- models ---------- */

/* Progress of long work (loading, quantizing): done and total in bytes. Return non-zero to
 * cancel (the call then fails with PLINTH_ERR_CANCELLED). */
typedef int32_t (*plinth_progress_fn)(void *user_data, uint64_t done, uint64_t total);

typedef struct plinth_model_options {
  uint32_t struct_size;
  const char *backend; /* "cpu", "cuda", ...; NULL = runtime default */
  const char *dtype; /* weight matrices on the device: "f32", "f16", "bf16", "q8" (Q8_0) or
                        "q4" (Q4_0), quantized on load, or "auto" (as stored when the
                        checkpoint is f16/bf16, else f32); NULL = "f32" */
  const char *head;    /* "causal_lm", "base", ...; NULL = from config.json architectures */
  int32_t n_threads;   /* 0 = runtime's */
  int32_t reserved;    /* keeps the layout free of trailing padding (see ARCHITECTURE.md) */
  plinth_progress_fn on_progress; /* NULL = none; called from the loading thread */
  void *progress_user_data;
} plinth_model_options;

PLINTH_EXPORT void plinth_model_options_init(plinth_model_options *opts, size_t size);
/* dir: a Hugging Face model directory (config.json + safetensors + tokenizer files). */
PLINTH_EXPORT plinth_status plinth_model_load(plinth_runtime *rt, const char *dir,
                                              const plinth_model_options *opts,
                                              plinth_model **out);
/* Releases the caller's reference to the model. Its sessions and tokenizer handles hold their
 * own references and stay usable; a generation running on the model (this thread's, from
 * inside its on_token callback, or another thread's) finishes first: the model's memory goes
 * when the last holder is done. A model also keeps its runtime's plugins loaded, so
 * plinth_runtime_free may come before it. NULL is a no-op. Freeing the same handle twice,
 * or using it after this call, is undefined behaviour (the C API cannot detect it). */
PLINTH_EXPORT void plinth_model_free(plinth_model *model);

typedef struct plinth_model_info {
  uint32_t struct_size;
  const char *model_type;   /* config.json model_type */
  const char *architecture; /* config.json architectures[0] or "" */
  const char *head;
  const char *plugin;  /* architecture plugin serving it */
  const char *backend; /* backend plugin */
  const char *device;  /* backend's description of the device */
  const char *stored_dtype; /* dtype of the checkpoint's weights (most common) */
  const char *dtype;        /* weight dtype on the device */
  int64_t n_parameters;
  int64_t vocab_size;
  int32_t can_generate;
  int64_t weight_bytes; /* bytes of weights on the device (after any quantization) */
} plinth_model_info;

PLINTH_EXPORT plinth_status plinth_model_get_info(const plinth_model *model,
                                                  plinth_model_info *out);
/* The tokenizer shipped in the model directory, as a new handle: free it with
 * plinth_tokenizer_free. It stays valid after plinth_model_free (it keeps the tokenizer alive,
 * not the weights). NOT_FOUND if the directory has none. */
PLINTH_EXPORT plinth_status plinth_model_tokenizer(plinth_model *model, plinth_tokenizer **out);

/* ---------------------------------------------------------------- forward --------- */

typedef struct plinth_forward_options {
  uint32_t struct_size;
  int32_t output_hidden_states; /* also return "hidden_states.<i>" */
  const char *const *wanted;    /* NULL-terminated extra output names; NULL = none */
} plinth_forward_options;

PLINTH_EXPORT void plinth_forward_options_init(plinth_forward_options *opts, size_t size);
/* Inputs are named host tensors (int32 or int64): input_ids, attention_mask, ...
 * Outputs are float32 (or integer) host tensors owned by *out. */
PLINTH_EXPORT plinth_status plinth_model_forward(plinth_model *model,
                                                 const plinth_host_tensor *inputs,
                                                 int32_t n_inputs,
                                                 const plinth_forward_options *opts,
                                                 plinth_outputs **out);
PLINTH_EXPORT int32_t plinth_outputs_count(const plinth_outputs *outputs);
/* Fills *out with a view of output `index` (data owned by outputs). */
PLINTH_EXPORT plinth_status plinth_outputs_at(const plinth_outputs *outputs, int32_t index,
                                              plinth_host_tensor *out);
PLINTH_EXPORT plinth_status plinth_outputs_find(const plinth_outputs *outputs,
                                                const char *name, plinth_host_tensor *out);
PLINTH_EXPORT void plinth_outputs_free(plinth_outputs *outputs);

/* ---------------------------------------------------------------- sessions -------- */

typedef struct plinth_session_options {
  uint32_t struct_size;
  int32_t batch;      /* rows decoded together; default 1 */
  int32_t max_tokens; /* tokens per row the KV cache holds (prompt + generated); 0 (default):
                         the model's max_position_embeddings, at most 4096 */
} plinth_session_options;

PLINTH_EXPORT void plinth_session_options_init(plinth_session_options *opts, size_t size);
/* Incremental decoding with a KV cache. opts NULL: every default. The session holds a
 * reference to its model: it may be freed before or after the model. One session is used by
 * one thread at a time. */
PLINTH_EXPORT plinth_status plinth_session_create(plinth_model *model,
                                                  const plinth_session_options *opts,
                                                  plinth_session **out);
PLINTH_EXPORT void plinth_session_free(plinth_session *session);
/* Feeds ids [batch, n_tokens]; attention_mask [batch, past + n_tokens] (NULL: all ones).
 * logits_out [batch, vocab_size] receives the logits of each row's last position. */
PLINTH_EXPORT plinth_status plinth_session_step(plinth_session *session,
                                                const int32_t *input_ids, int32_t n_tokens,
                                                const int32_t *attention_mask,
                                                float *logits_out);
PLINTH_EXPORT int32_t plinth_session_past(const plinth_session *session);

/* ---------------------------------------------------------------- generation ------ */

/* Called for each new token of each row. piece: the text the token adds (may be "" for a
 * partial UTF-8 sequence). Return non-zero to stop generation. It runs on the generating
 * thread with the model in use: it must not free the model or call into it; setting a flag
 * that it then returns is how another thread stops a generation. */
typedef int32_t (*plinth_token_fn)(void *user_data, int32_t row, int32_t token,
                                   const char *piece);

typedef struct plinth_generate_options {
  uint32_t struct_size;
  int32_t max_new_tokens; /* default 64 */
  float temperature;      /* 0 = greedy (default) */
  int32_t top_k;          /* 0 = off */
  float top_p;            /* 1 = off */
  uint64_t seed;
  int32_t stop_at_eos;   /* default 1: stop a row at the model's eos_token_id(s) */
  int32_t add_special;   /* default 1: tokenizer adds BOS etc. for text prompts */
  plinth_token_fn on_token;
  void *user_data;
} plinth_generate_options;

PLINTH_EXPORT void plinth_generate_options_init(plinth_generate_options *opts, size_t size);

/* Generates from token ids. prompt_ids [batch, n_prompt] left-padded where attention_mask
 * [batch, n_prompt] (NULL: all ones) is 0. out_ids [batch, n_prompt + max_new_tokens]
 * receives prompt and new tokens (rows that stopped early are padded with the pad id, or eos);
 * *out_len the filled width. step_logits (optional) [batch, max_new_tokens, vocab] receives
 * the logits each new token was chosen from. */
PLINTH_EXPORT plinth_status plinth_generate_ids(plinth_model *model, const int32_t *prompt_ids,
                                                int32_t batch, int32_t n_prompt,
                                                const int32_t *attention_mask,
                                                const plinth_generate_options *opts,
                                                int32_t *out_ids, int32_t *out_len,
                                                float *step_logits);

/* Generates from text with the model's tokenizer; the continuation (without the prompt) is
 * written to buf as UTF-8. *needed receives its byte length (excluding NUL); returns
 * BUFFER_TOO_SMALL (after generating and calling on_token) if cap <= *needed. */
PLINTH_EXPORT plinth_status plinth_generate_text(plinth_model *model, const char *prompt,
                                                 const plinth_generate_options *opts, char *buf,
                                                 size_t cap, size_t *needed);

/* ---------------------------------------------------------------- tokenizers ------ */

PLINTH_EXPORT plinth_status plinth_tokenizer_load(plinth_runtime *rt, const char *dir,
                                                  plinth_tokenizer **out);
/* Every tokenizer handle (loaded, or from plinth_model_tokenizer) is freed once. NULL: no-op. */
PLINTH_EXPORT void plinth_tokenizer_free(plinth_tokenizer *tok);

typedef struct plinth_encode_options {
  uint32_t struct_size;
  int32_t add_special_tokens; /* default 1 */
  const char *pair;           /* second sequence or NULL */
  int64_t pair_len;           /* -1 = NUL-terminated */
  int32_t max_length;         /* 0 = no truncation */
  int32_t reserved;           /* keeps the layout free of trailing padding */
  /* NULL (default), or a JSON object of arguments of the model's own tokenizer, as
   * transformers' tokenizer call takes them. LUKE / mLUKE: {"entity_spans": [[start, end],
   * ...] (character offsets), "entities": [names] (absent: the [MASK] entity), "task":
   * "entity_classification" | "entity_pair_classification" | "entity_span_classification",
   * "max_mention_length": n}. A tokenizer that takes none refuses it (UNSUPPORTED). */
  const char *kwargs_json;
} plinth_encode_options;

PLINTH_EXPORT void plinth_encode_options_init(plinth_encode_options *opts, size_t size);
/* text_len -1 = NUL-terminated. */
PLINTH_EXPORT plinth_status plinth_tokenize(const plinth_tokenizer *tok, const char *text,
                                            int64_t text_len, const plinth_encode_options *opts,
                                            plinth_encoding **out);
PLINTH_EXPORT int64_t plinth_encoding_length(const plinth_encoding *enc);
PLINTH_EXPORT const int32_t *plinth_encoding_ids(const plinth_encoding *enc);
PLINTH_EXPORT const int32_t *plinth_encoding_type_ids(const plinth_encoding *enc);
/* Character offsets (Unicode code points into the input): [start0, end0, start1, ...]. */
PLINTH_EXPORT const int64_t *plinth_encoding_offsets(const plinth_encoding *enc);
PLINTH_EXPORT const char *plinth_encoding_token(const plinth_encoding *enc, int64_t index);
PLINTH_EXPORT void plinth_encoding_free(plinth_encoding *enc);

/* Named int32 tensors a model's own tokenizer adds to an encoding, named as the model's forward
 * inputs they feed, so they can be passed to plinth_model_forward as they are (batch them by
 * adding a leading dimension). LUKE / mLUKE with entity_spans: "entity_ids" [E],
 * "entity_position_ids" [E, max_mention_length] (-1 padded), "entity_attention_mask" [E],
 * "entity_token_type_ids" [E], and for entity_span_classification "entity_start_positions" /
 * "entity_end_positions" [E] (first and last word-token index of each span). Views into the
 * encoding. */
PLINTH_EXPORT int32_t plinth_encoding_tensor_count(const plinth_encoding *enc);
PLINTH_EXPORT plinth_status plinth_encoding_tensor_at(const plinth_encoding *enc, int32_t index,
                                                      plinth_host_tensor *out);
/* NOT_FOUND (no error set) when the encoding has no tensor of that name. */
PLINTH_EXPORT plinth_status plinth_encoding_find(const plinth_encoding *enc, const char *name,
                                                 plinth_host_tensor *out);

typedef struct plinth_decode_options {
  uint32_t struct_size;
  int32_t skip_special_tokens; /* default 0, as transformers' decode() */
} plinth_decode_options;

PLINTH_EXPORT void plinth_decode_options_init(plinth_decode_options *opts, size_t size);
/* Writes the text of ids into buf (NUL-terminated); *needed = byte length without NUL.
 * BUFFER_TOO_SMALL if cap <= *needed. opts NULL: every default. */
PLINTH_EXPORT plinth_status plinth_detokenize(const plinth_tokenizer *tok, const int32_t *ids,
                                              int64_t n, const plinth_decode_options *opts,
                                              char *buf, size_t cap, size_t *needed);
PLINTH_EXPORT int64_t plinth_tokenizer_vocab_size(const plinth_tokenizer *tok);
/* Id of the tokenizer's special token for a role: "bos", "eos", "unk", "pad", "cls", "sep",
 * "mask"; -1 if it has none. */
PLINTH_EXPORT int32_t plinth_tokenizer_special_id(const plinth_tokenizer *tok, const char *role);
/* Id of a token string, or -1. */
PLINTH_EXPORT int32_t plinth_tokenizer_token_to_id(const plinth_tokenizer *tok,
                                                   const char *token);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_H */
