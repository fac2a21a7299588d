// `plinth info`: what a model directory is and how plinth would run it.
#include <iostream>

#include "cli_common.hpp"
#include "verbs.hpp"

namespace plinth_cli {

int verb_info(const Args &args) {
  GlobalOptions globals;
  std::string model_dir;
  std::string backend;
  std::string dtype;
  std::string head;
  po::options_description desc("info options");
  desc.add_options()("model,m", po::value(&model_dir)->value_name("DIR")->required(),
                     "model directory")("backend", po::value(&backend)->value_name("NAME"),
                                        "backend (default: runtime's)")(
      "dtype", po::value(&dtype)->value_name("f32|bf16|f16"), "weight dtype on the device")(
      "head", po::value(&head)->value_name("HEAD"), "task head (default: from config.json)");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth info -m DIR [options]")) return kExitOk;

  RuntimePtr rt = make_runtime(globals);
  ModelPtr model = load_model(rt.get(), model_dir, backend, dtype, head, 0);
  plinth_model_info info{};
  info.struct_size = sizeof info;
  check_status(plinth_model_get_info(model.get(), &info));
  auto s = [](const char *v) { return v != nullptr && *v != '\0' ? v : "-"; };
  std::cout << "architecture:  " << s(info.architecture) << "\n"
            << "head:          " << s(info.head) << "\n"
            << "model_type:    " << s(info.model_type) << "\n"
            << "plugin:        " << s(info.plugin) << "\n"
            << "backend:       " << s(info.backend) << "\n"
            << "device:        " << s(info.device) << "\n"
            << "parameters:    " << human_count(info.n_parameters) << " (" << info.n_parameters
            << ")\n"
            << "stored dtype:  " << s(info.stored_dtype) << "\n"
            << "device dtype:  " << s(info.dtype) << "\n"
            << "vocab size:    " << info.vocab_size << "\n"
            << "can generate:  " << (info.can_generate != 0 ? "yes" : "no") << "\n";
  return kExitOk;
}

} // namespace plinth_cli
