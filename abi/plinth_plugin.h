/*
 * plinth_plugin.h — the plugin SDK. Plain C.
 *
 * A plugin is a shared library exporting ONE symbol, `plinth_plugin_entry`, which returns a
 * descriptor: {struct_size, abi_version, kind, name, version, vtable}. The host passes its own
 * function table (plinth_host_api) to the entry point, so a plugin links nothing from the core
 * and builds against these headers alone.
 *
 * Two kinds of plugin:
 *  - a BACKEND implements the op interface (plinth_backend_ops) over one kind of device.
 *    It knows nothing about models.
 *  - an ARCHITECTURE serves one or more `model_type`s (config.json) and their heads. It builds
 *    the forward pass out of backend ops on opaque plinth_tensor handles and never touches
 *    device memory itself (tensor->data belongs to the backend).
 *
 * Versioning (see docs/ARCHITECTURE.md): every struct and table starts with `struct_size`.
 * Tables and structs are append-only; a reader uses only the members that lie within the
 * struct_size it was given, and a NULL op slot means "not implemented". The entry symbol's
 * descriptor carries PLINTH_ABI_VERSION; the core refuses a plugin whose version differs.
 *
 * Threading: one backend context and everything created from it is used by one thread at a
 * time (the core serialises). A backend may use worker threads internally.
 *
 * Memory: tensors made by a backend are freed by that backend (tensor_free). Weight tensors
 * handed out by plinth_host_api.weight_load are owned by the core and live as long as the
 * model; a plugin must not free them.
 */
#ifndef PLINTH_PLUGIN_H
#define PLINTH_PLUGIN_H

#include "plinth_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tensors --------- */

/* A backend tensor. Shape is row-major and contiguous (shape[ndim-1] innermost).
 * Architecture plugins may read dtype/ndim/shape; only the owning backend reads `data`
 * and `backend_data`. Views share storage with their source and must be freed before it. */
typedef struct plinth_tensor {
  int32_t dtype; /* plinth_dtype */
  int32_t ndim;
  int64_t shape[PLINTH_MAX_DIMS];
  void *data;         /* device address (backend private) */
  void *backend_data; /* backend private */
} plinth_tensor;

typedef struct plinth_backend_ctx plinth_backend_ctx; /* opaque, backend-defined */

typedef enum plinth_unary_op {
  PLINTH_UNARY_GELU = 0,      /* exact erf gelu */
  PLINTH_UNARY_GELU_TANH = 1, /* tanh approximation ("gelu_new", "gelu_pytorch_tanh") */
  PLINTH_UNARY_SILU = 2,
  PLINTH_UNARY_RELU = 3,
  PLINTH_UNARY_TANH = 4,
  PLINTH_UNARY_SIGMOID = 5,
  PLINTH_UNARY_EXP = 6,
  PLINTH_UNARY_NEG = 7,
  PLINTH_UNARY_SQUARE = 8,
  PLINTH_UNARY_SQRT = 9,
  PLINTH_UNARY_RELU2 = 10, /* relu(x)^2 */
  PLINTH_UNARY_QUICK_GELU = 11, /* x * sigmoid(1.702 x) */
  PLINTH_UNARY_ABS = 12,
  PLINTH_UNARY_RECIPROCAL = 13,
  PLINTH_UNARY_SOFTPLUS = 14
} plinth_unary_op;

typedef enum plinth_binary_op {
  PLINTH_BINARY_ADD = 0,
  PLINTH_BINARY_SUB = 1,
  PLINTH_BINARY_MUL = 2,
  PLINTH_BINARY_DIV = 3,
  PLINTH_BINARY_MAX = 4,
  PLINTH_BINARY_MIN = 5
} plinth_binary_op;

typedef enum plinth_reduce_op {
  PLINTH_REDUCE_SUM = 0,
  PLINTH_REDUCE_MEAN = 1,
  PLINTH_REDUCE_MAX = 2,
  PLINTH_REDUCE_MIN = 3
} plinth_reduce_op;

/* Scaled dot-product attention with every mask the seed families need.
 * q:   [B, Tq, Hq, D]      k: [B, Tk, Hkv, D]      v: [B, Tk, Hkv, Dv]   (f32)
 * out: [B, Tq, Hq, Dv]     Hq must be a multiple of Hkv (grouped-query attention).
 * Key slot j is visible to query i (row b) when all hold:
 *   j < kv_len;  key_mask == NULL or key_mask[b, j] != 0;
 *   causal == 0 or j <= q_offset + i;  window <= 0 or j > q_offset + i - window.
 * A query that sees no key gets uniform weights over slots [0, kv_len) — what eager
 * attention with a finfo.min additive mask produces in float32. */
typedef struct plinth_attention_args {
  uint32_t struct_size;
  const plinth_tensor *q;
  const plinth_tensor *k;
  const plinth_tensor *v;
  plinth_tensor *out;
  int64_t kv_len;   /* number of key slots in use; 0 means all Tk */
  int64_t q_offset; /* slot index of query 0 (decoding: past length) */
  float scale;      /* multiplies q.k */
  int32_t causal;
  int32_t window;                /* sliding window (keys including self); <= 0: none */
  const plinth_tensor *key_mask; /* optional [B, Tk] i32 */
  const plinth_tensor *bias;     /* optional additive f32 [B|1, Hq|1, Tq, Tk] */
  plinth_tensor *probs;          /* optional output f32 [B, Hq, Tq, Tk]: the softmax weights */
  /* Optional i32 tensors of one element on the backend (appended later; read only when
   * struct_size covers them). When given, the op takes kv_len / q_offset from the tensor at
   * the time it RUNS, not when it is enqueued, so one enqueued (or captured, see graph_begin)
   * step serves every decode position. A device kv_len is the count itself (0: no slot in
   * use, unlike the host field). The host kv_len is then an upper bound (0: Tk) that
   * the device value must not exceed; a GPU backend plans its launch from it. A device kv_len
   * outside [0, bound] or a negative q_offset is an error (reported by the op on host-memory
   * backends, at the next read()/synchronize() on devices, which clamp meanwhile). Backends
   * whose op table includes set_slice_dev honour these fields; older ones ignore them. */
  const plinth_tensor *kv_len_dev;
  const plinth_tensor *q_offset_dev;
} plinth_attention_args;

/* An executable recording of enqueued ops (CUDA / HIP graphs); see graph_begin. */
typedef struct plinth_graph plinth_graph;

/* Rotary embedding, applied in place semantics out = rope(x) (out may equal x).
 * x: [B, T, H, D] f32; positions: [B, T] i32. Rotates the first rot_dims of each head.
 * neox = 1: rotate halves (x[i], x[i + rot/2]) (Llama/Mistral/ESM); 0: adjacent pairs (GPT-J).
 * inv_freq (optional, f32 [rot_dims/2]) overrides theta for scaled variants; cos and sin are
 * multiplied by attention_factor (1.0 for plain RoPE). */
typedef struct plinth_rope_args {
  uint32_t struct_size;
  const plinth_tensor *x;
  const plinth_tensor *positions;
  plinth_tensor *out;
  float theta;
  int32_t rot_dims;
  int32_t neox;
  const plinth_tensor *inv_freq;
  float attention_factor;
  int32_t reserved; /* 0; fills what would be trailing padding (ABI rules, ARCHITECTURE.md) */
} plinth_rope_args;

/* Batched matrix product: c[b] = alpha * op(a[b]) @ op(b[b]) (+ beta * c[b]).
 * Tensors are [..., M, K]-shaped; leading dims are batch dims and a batch dim of 1
 * broadcasts. op(x) = x^T when trans_x. */
typedef struct plinth_matmul_args {
  uint32_t struct_size;
  const plinth_tensor *a;
  const plinth_tensor *b;
  plinth_tensor *c;
  int32_t trans_a;
  int32_t trans_b;
  float alpha;
  float beta;
} plinth_matmul_args;

/* The op interface a backend implements. All ops are enqueued on the backend's stream;
 * only read() and synchronize() wait. Activations are f32; weights passed to linear(),
 * linear_indexed() and get_rows() may be f32, f16 or bf16. Unless stated, out may not alias
 * an input. Every op returns PLINTH_OK or an error (with host->set_error called). */
typedef struct plinth_backend_ops {
  uint32_t struct_size;

  /* memory */
  plinth_status (*tensor_new)(plinth_backend_ctx *, int32_t dtype, int32_t ndim,
                              const int64_t *shape, plinth_tensor **out);
  /* A tensor holding a copy of host data. With borrow != 0 the host guarantees the bytes
   * outlive the tensor and stay unchanged, so a host-memory backend may alias them. */
  plinth_status (*tensor_from_host)(plinth_backend_ctx *, int32_t dtype, int32_t ndim,
                                    const int64_t *shape, const void *host, int32_t borrow,
                                    plinth_tensor **out);
  /* A contiguous view of `src` starting `offset` elements in, with a new shape. */
  plinth_status (*tensor_view)(plinth_backend_ctx *, const plinth_tensor *src, int64_t offset,
                               int32_t ndim, const int64_t *shape, plinth_tensor **out);
  void (*tensor_free)(plinth_backend_ctx *, plinth_tensor *);
  plinth_status (*write)(plinth_backend_ctx *, plinth_tensor *dst, const void *host,
                         size_t bytes, size_t offset_bytes);
  plinth_status (*read)(plinth_backend_ctx *, const plinth_tensor *src, void *host,
                        size_t bytes, size_t offset_bytes);
  plinth_status (*synchronize)(plinth_backend_ctx *);

  /* data movement */
  plinth_status (*fill)(plinth_backend_ctx *, plinth_tensor *t, float value);
  /* Same element count; converts dtype (f32/f16/bf16/i32). */
  plinth_status (*copy)(plinth_backend_ctx *, const plinth_tensor *src, plinth_tensor *dst);
  /* out.shape[i] = x.shape[perm[i]] for i < ndim. */
  plinth_status (*permute)(plinth_backend_ctx *, const plinth_tensor *x, const int32_t *perm,
                           plinth_tensor *out);
  /* out = x narrowed along `dim` starting at `start` (length out.shape[dim]). */
  plinth_status (*slice)(plinth_backend_ctx *, const plinth_tensor *x, int32_t dim,
                         int64_t start, plinth_tensor *out);
  /* dst narrowed along `dim` at `start` = src (KV-cache writes, concatenation). */
  plinth_status (*set_slice)(plinth_backend_ctx *, plinth_tensor *dst, int32_t dim,
                             int64_t start, const plinth_tensor *src);
  /* out[i, :] = table[ids[i], :]; ids i32 of any shape, out [..ids shape.., D]. */
  plinth_status (*get_rows)(plinth_backend_ctx *, const plinth_tensor *table,
                            const plinth_tensor *ids, plinth_tensor *out);

  /* dense math */
  /* y[..., n] = sum_k x[..., k] * w[n, k] + bias[n]; bias may be NULL. */
  plinth_status (*linear)(plinth_backend_ctx *, const plinth_tensor *x, const plinth_tensor *w,
                          const plinth_tensor *bias, plinth_tensor *y);
  plinth_status (*matmul)(plinth_backend_ctx *, const plinth_matmul_args *);
  /* Mixture of experts: y[m, :] = x[m, :] @ w[ids[m]]^T; w [E, N, K], ids i32 [M]. */
  plinth_status (*linear_indexed)(plinth_backend_ctx *, const plinth_tensor *x,
                                  const plinth_tensor *w, const plinth_tensor *ids,
                                  plinth_tensor *y);

  /* elementwise (out may alias the first operand) */
  plinth_status (*unary)(plinth_backend_ctx *, int32_t op, const plinth_tensor *x,
                         plinth_tensor *out);
  /* b broadcasts to a (numpy rules, dims aligned at the right; b dims are 1 or equal). */
  plinth_status (*binary)(plinth_backend_ctx *, int32_t op, const plinth_tensor *a,
                          const plinth_tensor *b, plinth_tensor *out);
  /* out = alpha * x + beta */
  plinth_status (*affine)(plinth_backend_ctx *, const plinth_tensor *x, float alpha, float beta,
                          plinth_tensor *out);

  /* normalisation and reductions over the last dim (out may alias x) */
  plinth_status (*layer_norm)(plinth_backend_ctx *, const plinth_tensor *x,
                              const plinth_tensor *weight, const plinth_tensor *bias, float eps,
                              plinth_tensor *out);
  plinth_status (*rms_norm)(plinth_backend_ctx *, const plinth_tensor *x,
                            const plinth_tensor *weight, float eps, plinth_tensor *out);
  plinth_status (*softmax)(plinth_backend_ctx *, const plinth_tensor *x, plinth_tensor *out);
  /* out has x's shape with the last dim 1 (or dropped). */
  plinth_status (*reduce)(plinth_backend_ctx *, int32_t op, const plinth_tensor *x,
                          plinth_tensor *out);
  plinth_status (*argmax)(plinth_backend_ctx *, const plinth_tensor *x, plinth_tensor *out_i32);
  /* Largest k along the last dim, in descending order (ties: lower index first). */
  plinth_status (*topk)(plinth_backend_ctx *, const plinth_tensor *x, int32_t k,
                        plinth_tensor *values, plinth_tensor *indices_i32);

  /* sequence ops */
  plinth_status (*rope)(plinth_backend_ctx *, const plinth_rope_args *);
  plinth_status (*attention)(plinth_backend_ctx *, const plinth_attention_args *);
  /* Depthwise 1-D convolution over time (MEGA's EMA as a convolution):
   * x [B, T, C], kernel [C, L]: out[b, t, c] = sum_l kernel[c, l] * x[b, t + l - center, c]
   * (zero outside [0, T)). */
  plinth_status (*conv1d_depthwise)(plinth_backend_ctx *, const plinth_tensor *x,
                                    const plinth_tensor *kernel, int64_t center,
                                    plinth_tensor *out);

  /* ---- appended later: decoding without host values. A reader checks struct_size before
   * using any slot below (an older backend's table ends above) and treats NULL as absent. */

  /* set_slice with the start read from start_i32 (one i32 element on the backend) when the
   * op RUNS. dst narrowed along `dim` at *start_i32 must lie inside dst: a start outside
   * [0, dst.shape[dim] - src.shape[dim]] is an error (reported by the op on host-memory
   * backends, at the next read()/synchronize() on devices, which then write nothing). A
   * backend that implements this slot also honours plinth_attention_args.kv_len_dev and
   * q_offset_dev. */
  plinth_status (*set_slice_dev)(plinth_backend_ctx *, plinth_tensor *dst, int32_t dim,
                                 const plinth_tensor *start_i32, const plinth_tensor *src);

  /* Graph capture and replay (CUDA / HIP graphs), so that a decode step costs one launch
   * instead of one per op. All four slots are NULL on a backend without graphs (the CPU):
   * the caller then runs its ops eagerly. Semantics:
   *  - graph_begin starts recording on the context: ops called until graph_end are checked
   *    and RECORDED, NOT EXECUTED. Their arguments (tensor addresses, shapes, host scalars)
   *    are baked in; values a step changes must live in backend tensors (write them before
   *    graph_launch; use set_slice_dev and kv_len_dev / q_offset_dev for positions).
   *  - While recording, only ops that enqueue work may be called: tensor_new / tensor_view /
   *    tensor_free and the compute ops. tensor_from_host, write, read and synchronize fail
   *    (host transfers are not recorded), as does an op that would first have to upload
   *    constants (e.g. rope's inv_freq for a new theta): run the step once eagerly first.
   *  - Tensors created while recording come from memory the graph keeps reserved until
   *    graph_free, so the addresses baked into it stay valid on every replay. Such a tensor
   *    may be freed by the caller at any time (its memory stays with the graph) or kept (the
   *    step's output, e.g. logits, read after each graph_launch); it is valid until both the
   *    tensor and the graph are freed. Tensors created before recording that a graph uses
   *    (weights, caches, inputs) must outlive the graph.
   *  - graph_end stops recording and returns the graph (an error if any recorded op failed;
   *    the context is then out of recording either way, and *out is NULL).
   *  - graph_launch enqueues one replay, ordered with the other ops of the context like any
   *    op; read()/synchronize() wait for it. graph_free(NULL) is a no-op.
   *  - One recording at a time per context; a context may hold many graphs. */
  plinth_status (*graph_begin)(plinth_backend_ctx *);
  plinth_status (*graph_end)(plinth_backend_ctx *, plinth_graph **out);
  plinth_status (*graph_launch)(plinth_backend_ctx *, plinth_graph *graph);
  void (*graph_free)(plinth_backend_ctx *, plinth_graph *graph);
} plinth_backend_ops;

typedef struct plinth_backend_options {
  uint32_t struct_size;
  int32_t n_threads;    /* 0 = backend default */
  int32_t device_index; /* for multi-device backends */
} plinth_backend_options;

typedef struct plinth_backend_vtable {
  uint32_t struct_size;
  const char *const *device_kinds; /* NULL-terminated, e.g. {"cpu", NULL} */
  /* Number of usable devices on this machine (0: none, e.g. no GPU present). */
  int32_t (*device_count)(void);
  plinth_status (*context_create)(const plinth_backend_options *, plinth_backend_ctx **out);
  void (*context_free)(plinth_backend_ctx *);
  /* Human-readable description of the device the context runs on. */
  const char *(*describe)(plinth_backend_ctx *);
  const plinth_backend_ops *ops;
  /* Appended: a named extension table the backend offers beyond its ops (see "Backend
   * extensions" below), or NULL when it offers none of that name. The slot itself may be NULL
   * or lie beyond struct_size (an older backend): no extensions. */
  const void *(*extension)(const char *name);
} plinth_backend_vtable;

/* ---------------------------------------------------------------- backend extensions */
/* Optional tables a backend may offer by name; each starts with struct_size and grows
 * append-only like every other table. Hosts reach them through
 * plinth_runtime_backend_extension() (plinth.h). */

/* What the device can do at best, measured in the same run as a benchmark so that plinth's
 * numbers can be reported as fractions of the hardware's (plinth bench). */
#define PLINTH_EXTENSION_MACHINE_REFERENCE "plinth.machine_reference"
typedef struct plinth_machine_reference_ext {
  uint32_t struct_size;
  int32_t reserved;
  /* f32 GEMM rates in GFLOP/s on n x n matrices, best of `repeat` runs after a warm-up, with
   * n_threads host threads: *own for the backend's own GEMM (0 if it has none for this
   * device), *vendor for the vendor BLAS it links (0 if none). */
  plinth_status (*gemm_f32_gflops)(int32_t n_threads, int32_t n, int32_t repeat, double *own,
                                   double *vendor);
} plinth_machine_reference_ext;

/* ---------------------------------------------------------------- tokenizers ------ */

/* A tokenizer with behaviour of its own (ESM's, BioGPT's, LUKE's entity-aware one) is
 * provided by an architecture plugin through this table (plinth_arch_vtable::tokenizer). The
 * core offers its own tokenizer of a directory to plugins through the same table
 * (plinth_host_api::tokenizer_base), so a plugin tokenizer may wrap it. */
typedef struct plinth_arch_tokenizer plinth_arch_tokenizer; /* opaque, provider-defined */
typedef struct plinth_tokenizer_host plinth_tokenizer_host; /* opaque: the core's side */

/* Special-token roles (tokenizer_config.json's bos_token, eos_token, ...). */
typedef enum plinth_special_role {
  PLINTH_SPECIAL_BOS = 0,
  PLINTH_SPECIAL_EOS = 1,
  PLINTH_SPECIAL_UNK = 2,
  PLINTH_SPECIAL_PAD = 3,
  PLINTH_SPECIAL_CLS = 4,
  PLINTH_SPECIAL_SEP = 5,
  PLINTH_SPECIAL_MASK = 6
} plinth_special_role;

/* Receives a text (UTF-8, len bytes, not NUL-terminated) from decode / id_to_token. */
typedef plinth_status (*plinth_text_fn)(void *ctx, const char *text, int64_t len);

/* One encode call: the request, and where the tokenizer writes the encoding. */
typedef struct plinth_encode_io {
  uint32_t struct_size;
  int32_t add_special_tokens;
  const char *text; /* UTF-8 as given by the caller (validate it), text_len bytes */
  int64_t text_len;
  const char *pair; /* second sequence or NULL */
  int64_t pair_len;
  int64_t max_length; /* 0: no truncation */
  /* NULL, or a JSON object of the tokenizer's own arguments (the keyword arguments of
   * transformers' tokenizer call: LUKE's entity_spans, entities, task, ...). A tokenizer that
   * takes none refuses a non-NULL value (UNSUPPORTED). */
  const char *kwargs_json;
  void *out_ctx;
  /* Appends one token; start/end are character offsets into its text, [0, 0] for special
   * tokens put around the sequences. type_id: the sequence's token type; special: 1 for
   * tokens in special_tokens_mask. */
  plinth_status (*push)(void *out_ctx, int32_t id, int32_t type_id, const char *token,
                        int64_t start, int64_t end, int32_t special);
  /* Adds a named int32 tensor to the encoding, named as the model's forward input it feeds
   * ("entity_ids"); pad_value fills the rows added along dim 0 when a batch is padded. The
   * receiver copies it. */
  plinth_status (*emit)(void *out_ctx, const plinth_host_tensor *tensor, int32_t pad_value);
} plinth_encode_io;

typedef struct plinth_tokenizer_env plinth_tokenizer_env; /* below the host table */

typedef struct plinth_tokenizer_vtable {
  uint32_t struct_size;
  /* Creates the tokenizer of env's directory. PLINTH_OK with *out NULL declines: the provider
   * has none for these files, and the core uses its own. */
  plinth_status (*create)(const plinth_tokenizer_env *env, plinth_arch_tokenizer **out);
  void (*free)(plinth_arch_tokenizer *);
  plinth_status (*encode)(const plinth_arch_tokenizer *, const plinth_encode_io *io);
  /* The text of ids, handed to sink once. */
  plinth_status (*decode)(const plinth_arch_tokenizer *, const int32_t *ids, int64_t n,
                          int32_t skip_special_tokens, plinth_text_fn sink, void *ctx);
  int64_t (*vocab_size)(const plinth_arch_tokenizer *);
  int32_t (*token_to_id)(const plinth_arch_tokenizer *, const char *token, int64_t len); /* -1 */
  /* The token's text to sink; NOT_FOUND (no error set) for an id outside the vocabulary. */
  plinth_status (*id_to_token)(const plinth_arch_tokenizer *, int32_t id, plinth_text_fn sink,
                               void *ctx);
  int32_t (*special_id)(const plinth_arch_tokenizer *, int32_t role); /* -1: none */
  int32_t (*is_special)(const plinth_arch_tokenizer *, int32_t id);
  int32_t (*padding_left)(const plinth_arch_tokenizer *); /* padding_side "left" */
} plinth_tokenizer_vtable;

/* ---------------------------------------------------------------- host table ------ */

typedef enum plinth_config_type {
  PLINTH_CONFIG_MISSING = 0,
  PLINTH_CONFIG_NULL = 1,
  PLINTH_CONFIG_BOOL = 2,
  PLINTH_CONFIG_INT = 3,
  PLINTH_CONFIG_FLOAT = 4,
  PLINTH_CONFIG_STRING = 5,
  PLINTH_CONFIG_ARRAY = 6,
  PLINTH_CONFIG_OBJECT = 7
} plinth_config_type;

typedef struct plinth_model_host plinth_model_host; /* opaque: the core's model being loaded */

/* Functions the core offers to plugins. Config keys are paths into config.json with '.'
 * between levels and array indices as numbers: "rope_parameters.rope_theta",
 * "eos_token_id.0". An integer value also reads as float; null reads as NOT_FOUND. */
typedef struct plinth_host_api {
  uint32_t struct_size;
  uint32_t abi_version;
  /* Records the calling thread's error (what plinth_last_error() shows) and returns status. */
  plinth_status (*set_error)(plinth_status status, const char *message);
  void (*log)(int32_t level, const char *message);

  int32_t (*config_type)(const plinth_model_host *, const char *key);
  plinth_status (*config_i64)(const plinth_model_host *, const char *key, int64_t *out);
  plinth_status (*config_f64)(const plinth_model_host *, const char *key, double *out);
  plinth_status (*config_bool)(const plinth_model_host *, const char *key, int32_t *out);
  /* Copies the string (NUL-terminated) into buf; *len gets its length. BUFFER_TOO_SMALL when
   * cap <= length. */
  plinth_status (*config_str)(const plinth_model_host *, const char *key, char *buf,
                              size_t cap, size_t *len);
  /* Elements of an array or members of an object. */
  plinth_status (*config_len)(const plinth_model_host *, const char *key, int64_t *out);
  /* Name of the index-th member of an object ("" key = the top level). */
  plinth_status (*config_key_at)(const plinth_model_host *, const char *key, int64_t index,
                                 char *buf, size_t cap);

  /* Stored tensor metadata; info->data points at the stored (mapped) bytes. NOT_FOUND when
   * the checkpoint has no tensor of that name (e.g. a tied lm_head) — no error is set. */
  plinth_status (*weight_info)(const plinth_model_host *, const char *name,
                               plinth_host_tensor *info);
  /* Loads a stored tensor onto the model's backend. dtype: the wanted element type, or -1
   * for the core's policy (the compute dtype for 1-D tensors, the load dtype for matrices).
   * The tensor is owned by the core. NOT_FOUND (with an error naming the tensor) if absent. */
  plinth_status (*weight_load)(plinth_model_host *, const char *name, int32_t dtype,
                               plinth_tensor **out);
  int64_t (*weight_count)(const plinth_model_host *);
  const char *(*weight_name_at)(const plinth_model_host *, int64_t index);

  /* The calling thread's last error message (what set_error recorded); never NULL. */
  const char *(*last_error)(void);
  /* For tokenizer providers: the bytes of a file of the tokenizer directory, read with the
   * core's checks and limits (a regular file, limits.file_bytes). *data stays valid until
   * create returns. NOT_FOUND, with no error set, when there is no such file. */
  plinth_status (*tokenizer_file)(plinth_tokenizer_host *, const char *name, const char **data,
                                  size_t *len);
  /* The core's own tokenizer of the directory (tokenizer.json, a sentencepiece model,
   * vocab.txt, vocab.json + merges.txt, with tokenizer_config.json's special tokens), as a
   * table and a handle the provider frees with (*vtable)->free. */
  plinth_status (*tokenizer_base)(plinth_tokenizer_host *, const plinth_tokenizer_vtable **vtable,
                                  plinth_arch_tokenizer **out);
} plinth_host_api;

/* What a tokenizer provider's create() gets. */
struct plinth_tokenizer_env {
  uint32_t struct_size;
  const plinth_host_api *host;
  plinth_tokenizer_host *tokenizer_host; /* pass to host->tokenizer_file / tokenizer_base */
  const char *dir;                       /* the directory, for messages */
  const char *tokenizer_class;           /* tokenizer_config.json's, "" when it names none */
};

/* ---------------------------------------------------------------- architectures --- */

typedef struct plinth_arch_model plinth_arch_model;     /* opaque, plugin-defined */
typedef struct plinth_arch_session plinth_arch_session; /* opaque, plugin-defined */

/* Everything a model needs at creation. */
typedef struct plinth_model_env {
  uint32_t struct_size;
  const plinth_host_api *host;
  plinth_model_host *model_host; /* pass to host->config_* / weight_* */
  const plinth_backend_ops *ops;
  plinth_backend_ctx *backend;
  const char *model_type; /* config.json model_type */
  const char *head;       /* "base", "causal_lm", "seq_cls", "tok_cls", "masked_lm", ... */
  int32_t compute_dtype;  /* PLINTH_DTYPE_F32 */
  int32_t reserved;       /* 0; fills what would be trailing padding */
} plinth_model_env;

/* What a model reports about itself after creation. */
typedef struct plinth_arch_model_info {
  uint32_t struct_size;
  int64_t vocab_size;    /* width of generation logits; 0 if the head does not generate */
  int64_t max_positions; /* 0 = unbounded */
  int32_t can_generate;
  int32_t reserved; /* 0; fills what would be trailing padding */
} plinth_arch_model_info;

/* One forward pass. Inputs are host tensors (i32): "input_ids" [B, T], "attention_mask"
 * [B, T], "token_type_ids", LUKE's "entity_*", multiple choice as [B, C, T]. The plugin emits
 * every output of its head through emit(); the core copies it out before emit returns, so the
 * plugin may free the tensor afterwards. Optional outputs ("hidden_states.<i>", attention maps)
 * are produced only when want() says so. */
typedef struct plinth_forward_io {
  uint32_t struct_size;
  const plinth_host_tensor *inputs;
  int32_t n_inputs;
  void *out_ctx;
  int32_t (*want)(void *out_ctx, const char *name);
  plinth_status (*emit)(void *out_ctx, const char *name, const plinth_tensor *t);
} plinth_forward_io;

/* One incremental decoding step on a session (KV cache kept by the plugin).
 * input_ids: [batch, n_tokens]; attention_mask: [batch, past + n_tokens] where past is the
 * number of tokens the session has consumed (NULL: all ones). Left padding is expressed by
 * zeros in the mask. The plugin writes the logits of each row's last position into
 * logits [batch, vocab_size] (host memory). */
typedef struct plinth_step_io {
  uint32_t struct_size;
  const int32_t *input_ids;
  int32_t n_tokens;
  const int32_t *attention_mask;
  float *logits;
} plinth_step_io;

typedef struct plinth_arch_vtable {
  uint32_t struct_size;
  const char *const *model_types; /* NULL-terminated config.json model_type values */
  const char *const *heads;       /* NULL-terminated heads served */
  /* Maps a transformers class name (config.json "architectures") to a head; NULL if unknown. */
  const char *(*head_for_class)(const char *hf_class);
  plinth_status (*model_create)(const plinth_model_env *, plinth_arch_model **out);
  void (*model_free)(plinth_arch_model *);
  plinth_status (*model_info)(const plinth_arch_model *, plinth_arch_model_info *out);
  plinth_status (*forward)(plinth_arch_model *, const plinth_forward_io *);
  /* Generation (NULL for heads that cannot generate). */
  plinth_status (*session_create)(plinth_arch_model *, int32_t batch, int32_t max_tokens,
                                  plinth_arch_session **out);
  void (*session_free)(plinth_arch_session *);
  plinth_status (*session_step)(plinth_arch_session *, const plinth_step_io *);
  /* The tokenizer this plugin provides: NULL-terminated tokenizer_config.json tokenizer_class
   * values it serves (the manifest lists them too, as tokenizer_classes), and its table; the
   * core also asks it for the tokenizer of a model it serves. Both NULL: none. */
  const char *const *tokenizer_classes;
  const plinth_tokenizer_vtable *tokenizer;
} plinth_arch_vtable;

/* ---------------------------------------------------------------- entry point ----- */

typedef enum plinth_plugin_kind {
  PLINTH_PLUGIN_ARCHITECTURE = 1,
  PLINTH_PLUGIN_BACKEND = 2
} plinth_plugin_kind;

typedef struct plinth_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_version; /* PLINTH_ABI_VERSION the plugin was built with */
  int32_t kind;         /* plinth_plugin_kind */
  const char *name;
  const char *version;
  const void *vtable; /* plinth_arch_vtable* or plinth_backend_vtable* */
} plinth_plugin_descriptor;

#define PLINTH_PLUGIN_ENTRY_SYMBOL "plinth_plugin_entry"
typedef const plinth_plugin_descriptor *(*plinth_plugin_entry_fn)(const plinth_host_api *host);

/* Use once in a plugin: PLINTH_DEFINE_PLUGIN_ENTRY(my_entry_function) */
#ifdef __cplusplus
#define PLINTH_EXTERN_C extern "C"
#else
#define PLINTH_EXTERN_C
#endif
#define PLINTH_DEFINE_PLUGIN_ENTRY(fn)                                                         \
  PLINTH_EXTERN_C PLINTH_EXPORT const plinth_plugin_descriptor *plinth_plugin_entry(const plinth_host_api *host) \
  {                                                                                            \
    return fn(host);                                                                           \
  }

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_PLUGIN_H */
