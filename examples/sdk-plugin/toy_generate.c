/* A host linked through the imported target plinth::plinth: loads the toy model (served by the
 * plugin next to it) and prints the greedy continuation of the prompt 4 10 6 as token ids. */
#include <stdio.h>

#include <plinth.h>

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: toy_generate MODEL_DIR\n"), 2;
  plinth_runtime *rt = NULL;
  plinth_model *model = NULL;
  if (plinth_runtime_create(NULL, &rt) != PLINTH_OK ||
      plinth_model_load(rt, argv[1], NULL, &model) != PLINTH_OK) {
    fprintf(stderr, "toy_generate: %s\n", plinth_last_error());
    plinth_runtime_free(rt);
    return 1;
  }
  plinth_model_info info = {0};
  info.struct_size = sizeof info;
  plinth_model_get_info(model, &info);
  printf("plugin: %s, model_type: %s\n", info.plugin, info.model_type);

  /* Filled by hand rather than with plinth_generate_options_init: see "ABI rules" in
   * docs/ARCHITECTURE.md (a newer library's *_init writes its own, larger struct). */
  plinth_generate_options go = {0};
  go.struct_size = sizeof go;
  go.max_new_tokens = 8;
  go.top_p = 1.0f;
  const int32_t prompt[3] = {4, 10, 6};
  int32_t out[3 + 8];
  int32_t len = 0;
  plinth_status st = plinth_generate_ids(model, prompt, 1, 3, NULL, &go, out, &len, NULL);
  if (st == PLINTH_OK) {
    printf("ids:");
    for (int32_t i = 0; i < len; ++i) printf(" %d", out[i]);
    printf("\n");
  } else {
    fprintf(stderr, "toy_generate: %s\n", plinth_last_error());
  }
  plinth_model_free(model);
  plinth_runtime_free(rt);
  return st == PLINTH_OK ? 0 : 1;
}
