// Incremental decoding as transformers' generate() drives it, shared by the sessions of the
// decoder families: a step's checks, every row's attention mask over the slots used so far,
// the position ids generate() derives from it, per-layer KV caches, and reading back the
// logits of each row's last token. A family supplies only its trunk and its LM head.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "blocks.hpp"
#include "ops.hpp"

namespace plinth::plugin {

// The mask bookkeeping alone (MEGA keeps its own caches but shares this part).
class StepMask {
public:
  // `family` prefixes error messages ("mistral: session is full ...").
  StepMask(std::string family, int32_t batch, int32_t max_tokens);

  // Checks a step (tokens, buffers, room left) and records the mask of slots
  // [0, past + n): io.attention_mask covers them all; NULL means the new tokens are all real.
  // Returns n. past() is unchanged until advance().
  int64_t begin(const plinth_step_io &io);
  // generate()'s position_ids = cumsum(mask) - 1 with masked slots set to 1 (so a left-padded
  // row counts from its first real token), for the n new slots after past(): [batch, n].
  std::vector<int32_t> positions(int64_t n) const;
  void advance(int64_t n) { past_ += n; }

  const std::string &family() const { return family_; }
  int64_t batch() const { return batch_; }
  int64_t max_tokens() const { return max_tokens_; }
  int64_t past() const { return past_; }
  // Slot j of row b (1: attended).
  int32_t mask_at(int64_t b, int64_t j) const {
    return mask_[static_cast<size_t>(b * max_tokens_ + j)];
  }
  const std::vector<int32_t> &mask() const { return mask_; } // [batch, max_tokens]

private:
  std::string family_;
  int64_t batch_;
  int64_t max_tokens_;
  int64_t past_ = 0;
  std::vector<int32_t> mask_;
};

// What a family's trunk gets for one step.
struct DecodeStep {
  int64_t n = 0;                      // new tokens per row
  std::vector<int32_t> ids;           // [batch, n] host copy
  Tensor ids_t;                       // the same on the backend
  std::vector<int32_t> positions;     // [batch, n] generate()'s position ids
  const std::vector<KvCache> *caches; // one per layer
  Tensor key_mask;                    // [batch, max_tokens] i32, every slot's mask
  int64_t past = 0;                   // slot of the first new token
};

// A session over per-layer KV caches [batch, max_tokens, kv_heads, head_dim].
class KvSession : public StepMask {
public:
  // kv_heads: one entry per layer (pruned checkpoints differ per layer).
  KvSession(const Ops &ops, std::string family, int32_t batch, int32_t max_tokens,
            const std::vector<int64_t> &kv_heads, int64_t head_dim, int64_t vocab_size);
  KvSession(const Ops &ops, std::string family, int32_t batch, int32_t max_tokens, int64_t n_layers,
            int64_t kv_heads, int64_t head_dim, int64_t vocab_size)
      : KvSession(ops, std::move(family), batch, max_tokens,
                  std::vector<int64_t>(static_cast<size_t>(n_layers), kv_heads), head_dim,
                  vocab_size) {}

  // trunk: the step's hidden states [batch, n, hidden], the new keys/values written to the
  // caches at step.past. lm_logits: [batch, 1, vocab] from each row's last hidden state
  // [batch, 1, hidden] (final norm included). The logits go to io.logits.
  using TrunkFn = std::function<Tensor(const DecodeStep &)>;
  using LogitsFn = std::function<Tensor(const Tensor &)>;
  void step(const plinth_step_io &io, const TrunkFn &trunk, const LogitsFn &lm_logits);

private:
  const Ops &ops_;
  int64_t vocab_size_;
  std::vector<KvCache> caches_;
  Tensor mask_t_; // mask() on the backend, the attention op's key_mask
};

} // namespace plinth::plugin
