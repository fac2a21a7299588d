// Incremental decoding for MegaForCausalLM (is_decoder, unidirectional EMA). Each layer keeps
// its attention keys/values and its EMA: the [B, H, N] recurrence state, or with a truncated
// EMA kernel the layer's masked EMA inputs. Tokens are fed in pieces that never cross a chunk
// boundary, so that with use_chunking each piece attends within one chunk.
#pragma once

#include <vector>

#include "decode_session.hpp"
#include "mega_model.hpp"

namespace plinth::mega {

class MegaSession {
public:
  MegaSession(const MegaModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  struct LayerCache {
    Tensor keys;      // [B, max_tokens, Z]
    Tensor values;    // [B, max_tokens, I]
    Tensor ema_state; // [B, H, N] (untruncated EMA)
    Tensor ema_input; // [B, max_tokens, H] (truncated EMA)
  };

  // Runs tokens [p0, p0 + n) through every layer and returns the last hidden state [B, n, H].
  Tensor run_piece(const std::vector<int32_t> &ids, int64_t p0, int64_t n);

  const MegaModel &model_;
  plugin::StepMask steps_; // step checks and every slot's attention mask so far
  int64_t batch_;
  int64_t max_tokens_;
  std::vector<LayerCache> caches_;
};

} // namespace plinth::mega
