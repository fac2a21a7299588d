#include "rope.hpp"

#include <cmath>

#include "error.hpp"

namespace plinth::plugin {

std::vector<float> default_inv_freq(double theta, int32_t dim) {
  std::vector<float> inv(static_cast<size_t>(dim / 2));
  const float base = static_cast<float>(theta);
  for (int32_t i = 0; i < dim / 2; ++i) {
    // torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all float32
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv[static_cast<size_t>(i)] = 1.0f / std::pow(base, exponent);
  }
  return inv;
}

namespace {

// Where the scaling parameters live: the object that names the rope type.
std::string params_key(const Config &cfg) {
  if (cfg.has("rope_parameters.rope_type") || cfg.has("rope_parameters.type"))
    return "rope_parameters";
  if (cfg.has("rope_scaling")) return "rope_scaling";
  return "rope_parameters";
}

void apply_llama3(const Config &cfg, const std::string &p, std::vector<float> &inv) {
  const double factor = cfg.f64(p + ".factor");
  const double low = cfg.f64_or(p + ".low_freq_factor", 1.0);
  const double high = cfg.f64_or(p + ".high_freq_factor", 4.0);
  const double old_ctx = cfg.f64(p + ".original_max_position_embeddings");
  const double low_wavelen = old_ctx / low;
  const double high_wavelen = old_ctx / high;
  const double pi = 3.141592653589793;
  for (float &f : inv) {
    const float wavelen = static_cast<float>(2 * pi) / f;
    float scaled = wavelen > static_cast<float>(low_wavelen) ? f / static_cast<float>(factor) : f;
    const bool medium = !(wavelen < static_cast<float>(high_wavelen)) &&
                        !(wavelen > static_cast<float>(low_wavelen));
    if (medium) {
      const float smooth = (static_cast<float>(old_ctx) / wavelen - static_cast<float>(low)) /
                           static_cast<float>(high - low);
      scaled = (1.0f - smooth) * scaled / static_cast<float>(factor) + smooth * scaled;
    }
    f = scaled;
  }
}

} // namespace

RopeSpec read_rope(const Config &cfg, int64_t head_dim,
                   std::initializer_list<const char *> supported, bool allow_partial,
                   double default_theta) {
  RopeSpec spec;
  const std::string p = params_key(cfg);
  spec.theta =
      cfg.opt_f64("rope_parameters.rope_theta").value_or(cfg.f64_or("rope_theta", default_theta));
  std::string type_key = p + ".rope_type";
  if (!cfg.has(type_key)) type_key = p + ".type";
  spec.type = cfg.str_or(type_key, "default");
  cfg.require_one_of(type_key, supported, "default");

  const double partial = cfg.opt_f64("rope_parameters.partial_rotary_factor")
                             .value_or(cfg.f64_or("partial_rotary_factor", 1.0));
  if (partial != 1.0 && !allow_partial)
    fail(PLINTH_ERR_UNSUPPORTED, "config.json: partial_rotary_factor = " + std::to_string(partial) +
                                     " is not supported by this plugin");
  spec.rot_dims = static_cast<int32_t>(static_cast<double>(head_dim) * partial);
  spec.inv_freq = default_inv_freq(spec.theta, spec.rot_dims);

  if (spec.type == "linear") {
    const float factor = static_cast<float>(cfg.f64(p + ".factor"));
    for (float &f : spec.inv_freq)
      f /= factor;
  } else if (spec.type == "llama3") {
    apply_llama3(cfg, p, spec.inv_freq);
  }
  return spec;
}

RopeOptions rope_options(const Ops &ops, const RopeSpec &spec) {
  RopeOptions o;
  o.theta = static_cast<float>(spec.theta);
  o.rot_dims = spec.rot_dims;
  o.neox = true;
  o.attention_factor = spec.attention_factor;
  if (!spec.inv_freq.empty())
    o.inv_freq = ops.from_host({static_cast<int64_t>(spec.inv_freq.size())}, spec.inv_freq);
  return o;
}

} // namespace plinth::plugin
