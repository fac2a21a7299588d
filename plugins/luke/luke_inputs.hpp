// The forward inputs of a LUKE model, read from the host tensors, checked, and flattened to
// [rows, ...] (multiple choice passes [batch, choices, ...]; LukeForMultipleChoice runs the
// model on batch * choices rows). Position ids are derived here, on the host, the way
// transformers derives them.
#pragma once

#include <cstdint>
#include <vector>

#include "forward_io.hpp"
#include "luke_config.hpp"

namespace plinth::luke {

struct LukeBatch {
  plugin::Shape lead; // leading dims of input_ids ([B] or [B, C]); their product is rows
  int64_t rows = 0;
  int64_t T = 0; // word tokens per row
  int64_t E = 0; // entities per row (0: no entity inputs)
  int64_t M = 0; // mention positions per entity (entity_position_ids' last dim)

  std::vector<int32_t> ids, mask, token_types, positions;     // [rows * T]
  std::vector<int32_t> entity_ids, entity_mask, entity_types; // [rows * E]
  // entity_position_ids with -1 replaced by 0 (the lookup index) and a 1/0 keep flag.
  std::vector<int32_t> entity_positions;   // [rows * E * M]
  std::vector<float> entity_position_keep; // [rows * E * M]
  // Number of real positions per entity, clamped at 1e-7 as LukeEntityEmbeddings does.
  std::vector<float> entity_position_count; // [rows * E]
  // Entity span classification: word indices of each entity's first and last token.
  std::vector<int32_t> span_start, span_end; // [rows * E], empty when not given
};

// Reads and checks every input LukeModel accepts; `spans` asks for the span positions too.
LukeBatch read_batch(const plugin::ForwardIO &io, const LukeConfig &cfg, bool spans);

} // namespace plinth::luke
