// Token pooling for sequence-classification heads of the decoder families, which classify
// from one token's hidden state per row rather than from a [CLS] token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "forward_io.hpp"
#include "ops.hpp"

namespace plinth::plugin {

// h [B, T, H] -> [B, H]: row b's hidden state at token token_of_row[b].
Tensor gather_tokens(const Ops &ops, const Tensor &h, const std::vector<int64_t> &token_of_row);

// The pooling of XForSequenceClassification in Mistral, GPT-2 and the generic transformers
// head: the rightmost token that is not the pad id (argmax of index * non_pad: 0 for a row of
// pads); without a pad id the last token, which transformers allows only for a batch of one
// (`family` names the plugin in that error). ids [B, T].
Tensor pool_last_non_pad(const Ops &ops, const Tensor &h, const IntInput &ids,
                         std::optional<int64_t> pad_token_id, const std::string &family);

} // namespace plinth::plugin
