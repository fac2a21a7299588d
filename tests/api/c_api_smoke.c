/* Compiled as C: proves the public headers are plain C, and exercises the C API's error
 * conventions from C (status codes, last error, NULL-tolerant frees). */
#include <stdio.h>
#include <string.h>

#include "plinth.h"
#include "plinth_plugin.h"

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              plinth_last_error());                                                          \
      return 1;                                                                              \
    }                                                                                        \
  } while (0)

int main(int argc, char **argv) {
  const char *model_dir = argc > 1 ? argv[1] : NULL;
  plinth_runtime_options ro;
  plinth_runtime *rt = NULL;
  plinth_model *model = NULL;
  plinth_model_options mo;
  plinth_status st;

  CHECK(plinth_abi_version() == PLINTH_ABI_VERSION);
  plinth_runtime_options_init(&ro, sizeof ro);
  CHECK(ro.struct_size == sizeof ro);
  CHECK(plinth_runtime_create(&ro, &rt) == PLINTH_OK);

  /* Bad input: clear error, no crash, outputs untouched. */
  plinth_model_options_init(&mo, sizeof mo);
  st = plinth_model_load(rt, "/nonexistent/model", &mo, &model);
  CHECK(st == PLINTH_ERR_NOT_FOUND);
  CHECK(model == NULL);
  CHECK(strstr(plinth_last_error(), "/nonexistent/model") != NULL);
  CHECK(plinth_model_load(NULL, "x", &mo, &model) == PLINTH_ERR_INVALID_ARGUMENT);
  plinth_model_free(NULL);
  plinth_runtime_free(NULL);

  if (model_dir) {
    plinth_generate_options go;
    char text[4096];
    size_t needed = 0;
    CHECK(plinth_model_load(rt, model_dir, &mo, &model) == PLINTH_OK);
    plinth_generate_options_init(&go, sizeof go);
    go.max_new_tokens = 8;
    CHECK(plinth_generate_text(model, "Licensed under the Apache License", &go, text, sizeof text,
                               &needed) == PLINTH_OK);
    CHECK(needed > 0 && strlen(text) == needed);
    /* Too small a buffer reports the size needed. */
    CHECK(plinth_generate_text(model, "Licensed under the Apache License", &go, text, 2,
                               &needed) == PLINTH_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 1);
    plinth_model_free(model);
  }
  plinth_runtime_free(rt);
  printf("c_api_smoke: ok\n");
  return 0;
}
