#include "mixtral_rope.hpp"

#include "error.hpp"

namespace plinth::plugin {

RopeSpec read_rope_with_default_theta(const Config &cfg, int64_t head_dim,
                                      std::initializer_list<const char *> supported,
                                      double default_theta) {
  // Partial rotation is rejected: these attention layers rotate the whole head (a shorter
  // cos/sin would not even broadcast in transformers).
  RopeSpec spec = read_rope(cfg, head_dim, supported, false);
  if (cfg.has("rope_parameters.rope_theta") || cfg.has("rope_theta")) return spec;
  // No theta in the file: redo the frequencies with the class default.
  spec.theta = default_theta;
  spec.inv_freq = default_inv_freq(default_theta, spec.rot_dims);
  if (spec.type == "linear") {
    // The factor sits next to the rope type, wherever read_rope found that.
    const bool current = cfg.has("rope_parameters.rope_type") || cfg.has("rope_parameters.type") ||
                         !cfg.has("rope_scaling");
    const std::string p = current ? "rope_parameters" : "rope_scaling";
    const float factor = static_cast<float>(cfg.f64(p + ".factor"));
    for (float &f : spec.inv_freq)
      f /= factor;
  } else if (spec.type != "default") {
    fail(PLINTH_ERR_UNSUPPORTED, "config.json: rope type '" + spec.type +
                                     "' without an explicit rope_theta is not supported");
  }
  return spec;
}

} // namespace plinth::plugin
