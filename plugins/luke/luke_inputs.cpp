#include "luke_inputs.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"

namespace plinth::luke {

using plugin::fail;
using plugin::IntInput;
using plugin::Shape;

namespace {

[[noreturn]] void bad(const std::string &message) {
  fail(PLINTH_ERR_INVALID_ARGUMENT, "luke: " + message);
}

// An optional input that must have exactly `shape`; `fallback` fills it when absent.
std::vector<int32_t> optional_input(const plugin::ForwardIO &io, const std::string &name,
                                    const Shape &shape, int32_t fallback) {
  auto in = io.ints(name);
  if (!in) return std::vector<int32_t>(static_cast<size_t>(plugin::shape_numel(shape)), fallback);
  if (in->shape != shape)
    bad(name + " has shape " + plugin::shape_string(in->shape) + ", expected " +
        plugin::shape_string(shape));
  return std::move(in->data);
}

void check_range(const std::vector<int32_t> &v, int64_t limit, const std::string &what) {
  for (int32_t x : v)
    if (x < 0 || x >= limit)
      bad(what + " " + std::to_string(x) + " is outside [0, " + std::to_string(limit) + ")");
}

// create_position_ids_from_input_ids: tokens equal to the padding id keep position
// padding_idx; the others count from padding_idx + 1 (a cumulative sum over the row).
std::vector<int32_t> word_positions(const std::vector<int32_t> &ids, int64_t rows, int64_t T,
                                    int64_t pad) {
  std::vector<int32_t> pos(ids.size());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t running = 0;
    for (int64_t t = 0; t < T; ++t) {
      const size_t i = static_cast<size_t>(r * T + t);
      const bool real = ids[i] != pad;
      running += real ? 1 : 0;
      pos[i] = static_cast<int32_t>((real ? running : 0) + pad);
    }
  }
  return pos;
}

} // namespace

LukeBatch read_batch(const plugin::ForwardIO &io, const LukeConfig &cfg, bool spans) {
  LukeBatch b;
  IntInput ids = io.require_ints("input_ids");
  if (ids.shape.size() < 2) bad("input_ids must be [batch, seq] (or [batch, choices, seq])");
  b.lead.assign(ids.shape.begin(), ids.shape.end() - 1);
  b.T = ids.shape.back();
  b.rows = plugin::shape_numel(b.lead);
  if (b.T <= 0 || b.rows <= 0) bad("input_ids is empty");
  b.ids = std::move(ids.data);
  check_range(b.ids, cfg.vocab_size, "input id");

  b.mask = optional_input(io, "attention_mask", ids.shape, 1);
  b.token_types = optional_input(io, "token_type_ids", ids.shape, 0);
  check_range(b.token_types, cfg.type_vocab_size, "token type id");
  if (io.find("position_ids") != nullptr)
    b.positions = optional_input(io, "position_ids", ids.shape, 0);
  else
    b.positions = word_positions(b.ids, b.rows, b.T, cfg.pad_token_id);
  check_range(b.positions, cfg.max_positions, "position id");

  // Without entity_ids LukeModel runs on the words alone (entity_hidden_states is None).
  auto entity_ids = io.ints("entity_ids");
  if (!entity_ids) {
    if (spans) bad("entity span classification needs entity_ids");
    return b;
  }
  Shape entity_shape = entity_ids->shape;
  if (entity_shape.size() != ids.shape.size() ||
      !std::equal(b.lead.begin(), b.lead.end(), entity_shape.begin()))
    bad("entity_ids has shape " + plugin::shape_string(entity_shape) +
        "; its leading dims must match input_ids " + plugin::shape_string(ids.shape));
  b.E = entity_shape.back();
  b.entity_ids = std::move(entity_ids->data);
  check_range(b.entity_ids, cfg.entity_vocab_size, "entity id");
  b.entity_mask = optional_input(io, "entity_attention_mask", entity_shape, 1);
  b.entity_types = optional_input(io, "entity_token_type_ids", entity_shape, 0);
  check_range(b.entity_types, cfg.type_vocab_size, "entity token type id");

  // LukeEntityEmbeddings has no default for the mention positions.
  IntInput pos = io.require_ints("entity_position_ids");
  if (pos.shape.size() != entity_shape.size() + 1 ||
      !std::equal(entity_shape.begin(), entity_shape.end(), pos.shape.begin()))
    bad("entity_position_ids has shape " + plugin::shape_string(pos.shape) + ", expected " +
        plugin::shape_string(entity_shape) + " plus a mention-length dim");
  b.M = pos.shape.back();
  const size_t n_entities = static_cast<size_t>(b.rows * b.E);
  b.entity_positions.resize(pos.data.size());
  b.entity_position_keep.resize(pos.data.size());
  b.entity_position_count.assign(n_entities, 0.0f);
  for (size_t e = 0; e < n_entities; ++e) {
    int64_t real = 0;
    for (int64_t m = 0; m < b.M; ++m) {
      const size_t i = e * static_cast<size_t>(b.M) + static_cast<size_t>(m);
      const int32_t p = pos.data[i];
      // -1 is padding; transformers clamps every negative id to 0 but masks only -1.
      b.entity_positions[i] = p < 0 ? 0 : p;
      b.entity_position_keep[i] = p != -1 ? 1.0f : 0.0f;
      real += p != -1 ? 1 : 0;
      if (p >= cfg.max_positions)
        bad("entity position id " + std::to_string(p) + " is outside [0, " +
            std::to_string(cfg.max_positions) + ")");
    }
    b.entity_position_count[e] = real > 0 ? static_cast<float>(real) : 1e-7f;
  }

  if (spans) {
    if (io.find("entity_start_positions") == nullptr || io.find("entity_end_positions") == nullptr)
      bad("entity span classification needs entity_start_positions and entity_end_positions");
    b.span_start = optional_input(io, "entity_start_positions", entity_shape, 0);
    b.span_end = optional_input(io, "entity_end_positions", entity_shape, 0);
    check_range(b.span_start, b.T, "entity_start_positions value");
    check_range(b.span_end, b.T, "entity_end_positions value");
  }
  return b;
}

} // namespace plinth::luke
