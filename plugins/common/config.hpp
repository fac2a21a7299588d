// Config: typed reads of config.json through the host's config_* functions. Keys are dotted
// paths ("rope_parameters.rope_theta", "eos_token_id.0"). A JSON null counts as absent.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "plinth_plugin.h"

namespace plinth::plugin {

class Config {
public:
  Config(const plinth_host_api *host, const plinth_model_host *model)
      : host_(host), model_(model) {}

  plinth_config_type type(const std::string &key) const;
  // Present and not null.
  bool has(const std::string &key) const;

  // Required values: throw FORMAT naming the key when absent or of the wrong type.
  int64_t i64(const std::string &key) const;
  double f64(const std::string &key) const;
  bool boolean(const std::string &key) const;
  std::string str(const std::string &key) const;

  // Values with a default for an absent (or null) key; a present value of the wrong type
  // still throws.
  int64_t i64_or(const std::string &key, int64_t fallback) const;
  double f64_or(const std::string &key, double fallback) const;
  bool bool_or(const std::string &key, bool fallback) const;
  std::string str_or(const std::string &key, const std::string &fallback) const;

  std::optional<int64_t> opt_i64(const std::string &key) const;
  std::optional<double> opt_f64(const std::string &key) const;
  std::optional<std::string> opt_str(const std::string &key) const;

  // Elements of an array or members of an object (0 when absent).
  int64_t length(const std::string &key) const;
  // Member names of an object ("" = the top level).
  std::vector<std::string> keys(const std::string &key) const;
  // An int, or every int of an array of ints (e.g. eos_token_id); empty when absent.
  std::vector<int64_t> i64_list(const std::string &key) const;

  // Rejects a string option whose value this plugin does not implement, with a message
  // naming the option ("rope_scaling.rope_type = 'yarn' is not supported ...").
  void require_one_of(const std::string &key, std::initializer_list<const char *> supported,
                      const std::string &fallback) const;
  // Rejects an option that is set to anything but the given value.
  void require_bool(const std::string &key, bool expected, bool fallback) const;

private:
  const plinth_host_api *host_;
  const plinth_model_host *model_;
};

} // namespace plinth::plugin
