// The C side of the token callback: plinth calls this, it calls the exported Go function.
#include <plinth.h>

#include "_cgo_export.h"

int32_t plinth_go_on_token(void *user, int32_t row, int32_t token, const char *piece) {
  return plinthGoOnToken(user, row, token, (char *)piece);
}
