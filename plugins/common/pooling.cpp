#include "pooling.hpp"

#include "error.hpp"

namespace plinth::plugin {

Tensor gather_tokens(const Ops &ops, const Tensor &h, const std::vector<int64_t> &token_of_row) {
  const int64_t B = h.dim(0);
  const int64_t T = h.dim(1);
  std::vector<int32_t> rows(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    rows[static_cast<size_t>(b)] =
        static_cast<int32_t>(b * T + token_of_row[static_cast<size_t>(b)]);
  Tensor flat = ops.view(h, {B * T, h.dim(2)});
  return ops.get_rows(flat, ops.from_host({B}, rows));
}

Tensor pool_last_non_pad(const Ops &ops, const Tensor &h, const IntInput &ids,
                         std::optional<int64_t> pad_token_id, const std::string &family) {
  const int64_t B = ids.shape[0];
  const int64_t T = ids.shape[1];
  if (!pad_token_id && B != 1)
    fail(PLINTH_ERR_INVALID_ARGUMENT,
         family + " seq_cls: batches of more than one row need pad_token_id in config.json");
  std::vector<int64_t> last(static_cast<size_t>(B), T - 1);
  if (pad_token_id)
    for (int64_t b = 0; b < B; ++b) {
      int64_t last_tok = 0;
      for (int64_t t = 0; t < T; ++t)
        if (ids.at(b, t) != *pad_token_id) last_tok = t;
      last[static_cast<size_t>(b)] = last_tok;
    }
  return gather_tokens(ops, h, last);
}

} // namespace plinth::plugin
