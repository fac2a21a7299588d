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
  std::vector<int32_t> positions;     // [batch, n] generate()'s position ids (host copy)
  Tensor positions_t;                 // on the backend, plus the session's position_offset
  const std::vector<KvCache> *caches; // one per layer
  Tensor key_mask;                    // [batch, max_tokens] i32, every slot's mask
  int64_t past = 0;                   // slot of the first new token
};

// A session over per-layer KV caches [batch, max_tokens, kv_heads, head_dim].
//
// The host inputs of a step (ids, positions, past and past + n, every slot's mask) go to the
// backend in ONE write into a persistent tensor; the trunk reads them from there. On a
// backend with device slots (Ops::has_device_slots) the cache writes and attention take past
// from that tensor too, so no op depends on a host value that changes between steps; on a
// backend with graphs (Ops::has_graphs) single-token steps are then recorded once (on the
// second such step: the first runs eagerly so that every constant is uploaded and every
// scratch buffer sized) and replayed after: one launch per token. If recording fails the
// session runs eagerly from then on.
class KvSession : public StepMask {
public:
  // kv_heads: one entry per layer (pruned checkpoints differ per layer).
  KvSession(const Ops &ops, std::string family, int32_t batch, int32_t max_tokens,
            const std::vector<int64_t> &kv_heads, int64_t head_dim, int64_t vocab_size);

  // Added to the positions uploaded as DecodeStep::positions_t (BioGPT's learned table
  // starts at row 2); DecodeStep::positions stays generate()'s.
  void set_position_offset(int32_t offset) { position_offset_ = offset; }

  // check: host-side checks of the step's ids and positions, run before anything is enqueued
  // (a replayed step does not run the trunk). trunk: the step's hidden states [batch, n,
  // hidden], the new keys/values written to the caches at step.past; it may only enqueue ops
  // (no reads, no uploads: it may be recorded). lm_logits: [batch, 1, vocab] from each row's
  // last hidden state [batch, 1, hidden] (final norm included). The logits go to io.logits.
  using CheckFn = std::function<void(const DecodeStep &)>;
  using TrunkFn = std::function<Tensor(const DecodeStep &)>;
  using LogitsFn = std::function<Tensor(const Tensor &)>;
  void step(const plinth_step_io &io, const TrunkFn &trunk, const LogitsFn &lm_logits,
            const CheckFn &check = {});

private:
  void upload(DecodeStep &s);
  Tensor run(const DecodeStep &s, const TrunkFn &trunk, const LogitsFn &lm_logits) const;
  void record(const DecodeStep &s, const TrunkFn &trunk, const LogitsFn &lm_logits);

  const Ops &ops_;
  int64_t vocab_size_;
  int32_t position_offset_ = 0;
  std::vector<KvCache> caches_;
  // i32 [2 + 3 * batch * max_tokens]: past, past + n, the mask [batch, max_tokens], then the
  // step's ids [batch, n] and positions [batch, n]. Written once per step from staging_.
  Tensor inputs_;
  Tensor mask_t_; // the mask part: the attention op's key_mask
  std::vector<int32_t> staging_;
  enum class Graphs { off, warm_up, ready } graphs_ = Graphs::off;
  // Declared after everything a recorded step uses, so the graph goes first.
  Graph graph_;
  Tensor graph_logits_; // the recorded step's logits, read after each replay
};

// The shape of a decoder's KV caches and logits, for DecoderSession.
struct KvGeometry {
  std::string family;            // prefixes error messages
  std::vector<int64_t> kv_heads; // one entry per layer (pruned checkpoints differ per layer)
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int32_t position_offset = 0; // KvSession::set_position_offset
};

// The generation session of every KV-cache decoder plugin (ArchEdge's Spec::Session). The
// model supplies its geometry, the trunk of one step and its LM head:
//   const Ops &ops() const;  KvGeometry kv_geometry() const;
//   Tensor decode_trunk(const DecodeStep &) const;  // KvSession's TrunkFn
//   Tensor final_norm(const Tensor &) const;  Tensor lm_logits(const Tensor &) const;
//   optional: void check_step(const DecodeStep &) const;  // KvSession's CheckFn
template <class Model> class DecoderSession {
public:
  DecoderSession(const Model &model, int32_t batch, int32_t max_tokens)
      : DecoderSession(model, batch, max_tokens, model.kv_geometry()) {}

  void step(const plinth_step_io &io) {
    KvSession::CheckFn check;
    if constexpr (requires(const DecodeStep &s) { model_.check_step(s); })
      check = [this](const DecodeStep &s) { model_.check_step(s); };
    kv_.step(
        io, [this](const DecodeStep &s) { return model_.decode_trunk(s); },
        [this](const Tensor &last) { return model_.lm_logits(model_.final_norm(last)); }, check);
  }

private:
  DecoderSession(const Model &model, int32_t batch, int32_t max_tokens, const KvGeometry &g)
      : model_(model),
        kv_(model.ops(), g.family, batch, max_tokens, g.kv_heads, g.head_dim, g.vocab_size) {
    kv_.set_position_offset(g.position_offset);
  }

  const Model &model_;
  KvSession kv_;
};

} // namespace plinth::plugin
