// A loaded model: checkpoint + backend context + the architecture plugin's model + the
// tokenizer of its directory. Destruction order matters: the plugin's model first, then
// the weights, then the backend context; the plugin libraries outlive all of them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend_instance.hpp"
#include "checkpoint.hpp"
#include "host_api.hpp"
#include "runtime.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plinth {

struct ModelLoadOptions {
  std::string backend;              // "" = runtime default
  int32_t dtype = PLINTH_DTYPE_F32; // -1: as stored (f16/bf16 kept, else f32)
  std::string head;                 // "" = from config
  int32_t n_threads = 0;
  plinth_progress_fn on_progress = nullptr;
  void *progress_user_data = nullptr;
};

// A named host tensor produced by a forward pass.
struct HostOutput {
  std::string name;
  int32_t dtype = PLINTH_DTYPE_F32; // -1: as stored (f16/bf16 kept, else f32)
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

class Model {
public:
  Model(std::shared_ptr<Runtime> rt, const std::string &dir, const ModelLoadOptions &opts);
  ~Model();

  std::vector<HostOutput> forward(const std::vector<plinth_host_tensor> &inputs, bool hidden_states,
                                  const std::vector<std::string> &wanted);

  const Checkpoint &checkpoint() const { return *checkpoint_; }
  const std::string &head() const { return head_; }
  const PluginEntry &arch_plugin() const { return *arch_; }
  const BackendInstance &backend() const { return *backend_; }
  const plinth_arch_model_info &info() const { return info_; }
  int32_t load_dtype() const { return host_.load_dtype; }
  // Bytes of all weights the plugin loaded onto the device (at their device dtype).
  int64_t weight_bytes() const;
  // nullptr when the directory ships no tokenizer (the reason is in tokenizer_error()).
  const tok::Tokenizer *tokenizer() const { return tokenizer_.get(); }
  std::shared_ptr<const tok::Tokenizer> shared_tokenizer() const { return tokenizer_; }
  const std::string &tokenizer_error() const { return tokenizer_error_; }
  plinth_arch_model *arch_model() { return arch_model_; }
  std::mutex &mutex() { return mutex_; }
  // Its runtime's limits (plinth.toml [limits]).
  const Limits &limits() const { return rt_->config.limits; }

private:
  std::shared_ptr<Runtime> rt_;
  std::unique_ptr<Checkpoint> checkpoint_;
  PluginEntry *arch_ = nullptr;
  std::unique_ptr<BackendInstance> backend_;
  plinth_model_host host_;
  plinth_arch_model *arch_model_ = nullptr;
  plinth_arch_model_info info_{};
  std::string head_;
  std::shared_ptr<const tok::Tokenizer> tokenizer_; // shared with tokenizer handles
  std::string tokenizer_error_;
  std::mutex mutex_;
};

} // namespace plinth
