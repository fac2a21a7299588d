// Rope settings for a family whose config class has its own default rope_theta (Helium
// 1e5, Mixtral 1e6): common's read_rope falls back to 1e4 when the config names no theta.
// Candidate for plugins/common (a default_theta argument to read_rope).
#pragma once

#include <initializer_list>

#include "config.hpp"
#include "rope.hpp"

namespace plinth::plugin {

RopeSpec read_rope_with_default_theta(const Config &cfg, int64_t head_dim,
                                      std::initializer_list<const char *> supported,
                                      double default_theta);

} // namespace plinth::plugin
