// First-token heads of the BERT-like encoder families: the [CLS] / <s> / <cls> token, the
// BERT pooler over it, and the RoBERTa-style classification head.
#pragma once

#include "blocks.hpp"
#include "ops.hpp"

namespace plinth::plugin {

// h [B, T, H] -> [B, H]: each row's first token.
Tensor first_token(const Ops &ops, const Tensor &h);

// The BERT pooler: tanh(dense(first token)). h [B, T, H] -> [B, H'].
Tensor tanh_pool(const Ops &ops, const Linear &dense, const Tensor &h);

// The RoBERTa-style classification head (EsmClassificationHead, MegaClassificationHead):
// out_proj(tanh(dense(first token))). Dropout is the identity at inference.
Tensor first_token_classify(const Ops &ops, const Linear &dense, const Linear &out_proj,
                            const Tensor &h);

} // namespace plinth::plugin
