/* A host built against an OLDER plinth.h whose plinth_generate_options ended after
 * `add_special` (no streaming callback yet) and whose plinth_model_options had no n_threads. The library must read only
 * the fields within struct_size and use defaults for the rest. (ABI rule: append-only.) */
#include <stdio.h>
#include <string.h>

#include "plinth_types.h"

typedef struct plinth_runtime plinth_runtime;
typedef struct plinth_model plinth_model;

typedef struct old_model_options { /* v0 layout */
  uint32_t struct_size;
  const char *backend;
  const char *dtype;
  const char *head;
} old_model_options;

typedef struct old_generate_options { /* v0 layout */
  uint32_t struct_size;
  int32_t max_new_tokens;
  float temperature;
  int32_t top_k;
  float top_p;
  uint64_t seed;
  int32_t stop_at_eos;
  int32_t add_special;
} old_generate_options;

plinth_status plinth_runtime_create(const void *opts, plinth_runtime **out);
void plinth_runtime_free(plinth_runtime *);
plinth_status plinth_model_load(plinth_runtime *, const char *, const void *, plinth_model **);
void plinth_model_free(plinth_model *);
plinth_status plinth_generate_text(plinth_model *, const char *, const void *, char *, size_t,
                                   size_t *);
const char *plinth_last_error(void);

int main(int argc, char **argv) {
  plinth_runtime *rt = NULL;
  plinth_model *m = NULL;
  old_model_options mo = {sizeof mo, NULL, NULL, NULL};
  old_generate_options go = {sizeof go, 5, 0.0f, 0, 1.0f, 0, 1, 1};
  char buf[1024];
  size_t needed = 0;
  if (argc < 2) return 2;
  if (plinth_runtime_create(NULL, &rt) != 0 || plinth_model_load(rt, argv[1], &mo, &m) != 0 ||
      plinth_generate_text(m, "Licensed under the Apache License", &go, buf, sizeof buf,
                           &needed) != 0) {
    fprintf(stderr, "old_header_host: %s\n", plinth_last_error());
    return 1;
  }
  printf("old_header_host: ok: %s\n", buf);
  plinth_model_free(m);
  plinth_runtime_free(rt);
  return 0;
}
