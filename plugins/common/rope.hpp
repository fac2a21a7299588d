// Rotary position embedding settings from config.json, in both spellings transformers has
// used: current `rope_parameters: {rope_type, rope_theta, ...}` and older top-level
// `rope_theta` + `rope_scaling: {type|rope_type, factor, ...}`. The inverse frequencies are
// computed here in float32 the way transformers computes them, and handed to the rope op, so
// every backend rotates by the same angles.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "config.hpp"
#include "ops.hpp"

namespace plinth::plugin {

struct RopeSpec {
  std::string type = "default";
  double theta = 10000.0;
  int32_t rot_dims = 0;
  float attention_factor = 1.0f;
  std::vector<float> inv_freq; // [rot_dims / 2]
};

// Reads the rope settings for heads of `head_dim`. Types outside `supported` (a subset of
// "default", "linear", "llama3") are rejected with UNSUPPORTED naming the option.
// `default_theta` is the config class's own rope_theta default, used when the file names no
// theta (transformers' classes differ: Llama/Mistral 1e4, Helium 1e5, Mixtral 1e6).
RopeSpec read_rope(const Config &cfg, int64_t head_dim,
                   std::initializer_list<const char *> supported, bool allow_partial,
                   double default_theta = 10000.0);

// inv_freq[i] = 1 / theta^(2i / dim), in float32 as torch computes it.
std::vector<float> default_inv_freq(double theta, int32_t dim);

// RopeOptions for the rope op, with the inverse frequencies uploaded to the backend.
RopeOptions rope_options(const Ops &ops, const RopeSpec &spec);

} // namespace plinth::plugin
