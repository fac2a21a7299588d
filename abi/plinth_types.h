/*
 * plinth_types.h — fixed-width types, status codes and dtypes shared by the host API
 * (plinth.h) and the plugin SDK (plinth_plugin.h). Plain C, no C++ types.
 */
#ifndef PLINTH_TYPES_H
#define PLINTH_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define PLINTH_EXPORT __declspec(dllexport)
#else
#define PLINTH_EXPORT __attribute__((visibility("default")))
#endif

/* Version of the binary interface. Bumped only on an incompatible change; compatible
 * additions (new functions, new fields appended to versioned structs, new table slots
 * appended) keep it. See docs/ARCHITECTURE.md, "ABI rules". */
#define PLINTH_ABI_VERSION 1u

/* Version of the library, semantic: MAJOR equals PLINTH_ABI_VERSION, MINOR grows with
 * compatible additions, PATCH with fixes. This is the one place it is written: CMakeLists.txt
 * reads it (project version, libplinth.so.MAJOR.MINOR.PATCH with SONAME libplinth.so.MAJOR),
 * and plinth_version_number() / plinth_version_string() return the library's own, which a
 * program compares with the header it was built against. */
#define PLINTH_VERSION_MAJOR 1
#define PLINTH_VERSION_MINOR 0
#define PLINTH_VERSION_PATCH 0
#define PLINTH_VERSION_NUMBER                                                                      \
  (PLINTH_VERSION_MAJOR * 1000000 + PLINTH_VERSION_MINOR * 1000 + PLINTH_VERSION_PATCH)
#define PLINTH_STRINGIFY_(x) #x
#define PLINTH_XSTRINGIFY_(x) PLINTH_STRINGIFY_(x)
#define PLINTH_VERSION_STRING                                                                      \
  PLINTH_XSTRINGIFY_(PLINTH_VERSION_MAJOR)                                                         \
  "." PLINTH_XSTRINGIFY_(PLINTH_VERSION_MINOR) "." PLINTH_XSTRINGIFY_(PLINTH_VERSION_PATCH)

/* Every call that can fail returns one of these. PLINTH_OK is zero; the message of the
 * last failure on the calling thread is plinth_last_error(). */
typedef enum plinth_status {
  PLINTH_OK = 0,
  PLINTH_ERR_INVALID_ARGUMENT = 1, /* NULL handle, bad shape, bad option value */
  PLINTH_ERR_NOT_FOUND = 2,        /* file, tensor, key, plugin not found */
  PLINTH_ERR_IO = 3,               /* cannot read or map a file */
  PLINTH_ERR_FORMAT = 4,           /* corrupt or unsupported file contents */
  PLINTH_ERR_UNSUPPORTED = 5,      /* valid request the plugin/backend does not implement */
  PLINTH_ERR_ABI_MISMATCH = 6,     /* plugin built against another ABI version */
  PLINTH_ERR_OUT_OF_MEMORY = 7,
  PLINTH_ERR_BACKEND = 8, /* device/backend failure */
  PLINTH_ERR_BUFFER_TOO_SMALL = 9,
  PLINTH_ERR_CANCELLED = 10, /* a callback asked to stop */
  PLINTH_ERR_INTERNAL = 11
} plinth_status;

/* Element types. Values are part of the ABI. */
typedef enum plinth_dtype {
  PLINTH_DTYPE_F32 = 0,
  PLINTH_DTYPE_F16 = 1,
  PLINTH_DTYPE_BF16 = 2,
  PLINTH_DTYPE_I32 = 3,
  PLINTH_DTYPE_I64 = 4,
  PLINTH_DTYPE_U8 = 5,
  PLINTH_DTYPE_I8 = 6,
  PLINTH_DTYPE_F64 = 7,
  PLINTH_DTYPE_BOOL = 8,
  PLINTH_DTYPE_I16 = 9,
  /* Block-quantized weights (matrices only; the last dim is a multiple of 32). Each row is a
   * sequence of blocks of 32 values along the last dim:
   *   Q8_0: { uint16_t d (f16 scale); int8_t q[32]; }        value = d * q        (34 bytes)
   *   Q4_0: { uint16_t d (f16 scale); uint8_t qs[16]; }      value = d * (nibble - 8)
   *         element j < 16 is the low nibble of qs[j], element j + 16 its high nibble (18 bytes) */
  PLINTH_DTYPE_Q8_0 = 10,
  PLINTH_DTYPE_Q4_0 = 11,
  PLINTH_DTYPE_COUNT_ = 12 /* not a dtype; number of values (grows with new dtypes) */
} plinth_dtype;

#define PLINTH_QBLOCK 32 /* elements per quantization block */

typedef enum plinth_log_level {
  PLINTH_LOG_ERROR = 0,
  PLINTH_LOG_WARN = 1,
  PLINTH_LOG_INFO = 2,
  PLINTH_LOG_DEBUG = 3
} plinth_log_level;

#define PLINTH_MAX_DIMS 4

/* A tensor in host memory, described for the C edge. Row-major and contiguous:
 * shape[ndim-1] is the innermost dimension. */
typedef struct plinth_host_tensor {
  const char *name;
  int32_t dtype; /* plinth_dtype */
  int32_t ndim;
  int64_t shape[PLINTH_MAX_DIMS];
  void *data;
} plinth_host_tensor;

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_TYPES_H */
