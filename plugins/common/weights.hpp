// Weights: the checkpoint's tensors through host->weight_info / weight_load. Loaded tensors
// are owned by the core (borrowed here). Names are full checkpoint names; prefix() helps a
// plugin find under which prefix ("model.", "esm.", "") a head stored the base model.
#pragma once

#include <initializer_list>
#include <string>

#include "plinth_plugin.h"
#include "tensor.hpp"

namespace plinth::plugin {

class Weights {
public:
  Weights(const plinth_host_api *host, plinth_model_host *model) : host_(host), model_(model) {}

  bool has(const std::string &name) const;
  // Throws NOT_FOUND naming the tensor when absent.
  Tensor get(const std::string &name, int32_t dtype = -1) const;
  // An empty Tensor when absent.
  Tensor opt(const std::string &name, int32_t dtype = -1) const;
  // An output matrix that transformers ties to `shared` (the input embeddings) when `tied`
  // (save_pretrained writes a tied matrix once, under the embeddings' name), else `name`,
  // which must then be in the checkpoint.
  Tensor tied_or_own(const std::string &name, bool tied, const Tensor &shared) const;
  // The first of several accepted spellings (e.g. LayerNorm "weight" or legacy "gamma").
  Tensor first_of(std::initializer_list<std::string> names, int32_t dtype = -1) const;

  // The first candidate prefix p for which p + probe exists; throws NOT_FOUND otherwise.
  std::string prefix(const std::string &probe,
                     std::initializer_list<const char *> candidates) const;

private:
  const plinth_host_api *host_;
  plinth_model_host *model_;
};

} // namespace plinth::plugin
