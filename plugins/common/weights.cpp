#include "weights.hpp"

#include "error.hpp"

namespace plinth::plugin {

bool Weights::has(const std::string &name) const {
  plinth_host_tensor info{};
  return host_->weight_info(model_, name.c_str(), &info) == PLINTH_OK;
}

Tensor Weights::get(const std::string &name, int32_t dtype) const {
  plinth_tensor *t = nullptr;
  plinth_status st = host_->weight_load(model_, name.c_str(), dtype, &t);
  if (st != PLINTH_OK || t == nullptr)
    throw PluginError(st == PLINTH_OK ? PLINTH_ERR_INTERNAL : st,
                      "cannot load weight '" + name + "'", st != PLINTH_OK);
  return Tensor::borrowed(t);
}

Tensor Weights::opt(const std::string &name, int32_t dtype) const {
  return has(name) ? get(name, dtype) : Tensor{};
}

Tensor Weights::tied_or_own(const std::string &name, bool tied, const Tensor &shared) const {
  if (tied) return shared;
  // Untied but absent: transformers would start from random weights (with a warning); using
  // the embeddings instead would give plausible-looking, wrong logits.
  if (!has(name))
    fail(PLINTH_ERR_NOT_FOUND, "config.json unties the output matrix (tie_word_embeddings: false) "
                               "but the checkpoint has no '" +
                                   name + "'");
  return get(name);
}

Tensor Weights::first_of(std::initializer_list<std::string> names, int32_t dtype) const {
  std::string tried;
  for (const std::string &n : names) {
    if (has(n)) return get(n, dtype);
    tried += tried.empty() ? "'" + n + "'" : ", '" + n + "'";
  }
  fail(PLINTH_ERR_NOT_FOUND, "the checkpoint has none of the tensors " + tried);
}

std::string Weights::prefix(const std::string &probe,
                            std::initializer_list<const char *> candidates) const {
  for (const char *p : candidates)
    if (has(p + probe)) return p;
  fail(PLINTH_ERR_NOT_FOUND, "the checkpoint has no tensor '" + probe + "' (under any prefix)");
}

} // namespace plinth::plugin
