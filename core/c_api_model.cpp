// C API: loading models, describing them, and forward passes.
#include <cstring>

#include "c_api_internal.hpp"
#include "dtype.hpp"

using namespace plinth;

extern "C" {

PLINTH_EXPORT void plinth_model_options_init(plinth_model_options *o, size_t size) {
  plinth_model_options d{};
  d.struct_size = sizeof d;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_model_load(plinth_runtime *rt, const char *dir,
                                              const plinth_model_options *opts,
                                              plinth_model **out) {
  return guarded([&] {
    require(rt && dir && out, "plinth_model_load: runtime, dir and out must not be NULL");
    ModelLoadOptions o;
    if (const char *b = field_or(opts, &plinth_model_options::backend, (const char *)nullptr)) o.backend = b;
    if (const char *h = field_or(opts, &plinth_model_options::head, (const char *)nullptr)) o.head = h;
    if (const char *d = field_or(opts, &plinth_model_options::dtype, (const char *)nullptr);
        d && std::string(d) == "auto") {
      o.dtype = -1; // resolved by the model from the checkpoint
    } else if (d) {
      auto dt = dtype_from_user(d);
      if (!dt) throw Error(PLINTH_ERR_INVALID_ARGUMENT, std::string("unknown dtype '") + d + "' (use f32, f16, bf16, q8, q4 or auto)");
      o.dtype = *dt;
    }
    o.n_threads = field_or(opts, &plinth_model_options::n_threads, 0);
    check_limit(o.n_threads, rt->rt->config.limits.threads, "threads", "model options: n_threads");
    o.on_progress = field_or(opts, &plinth_model_options::on_progress, (plinth_progress_fn) nullptr);
    o.progress_user_data = field_or(opts, &plinth_model_options::progress_user_data, (void *)nullptr);
    auto m = std::make_unique<plinth_model>();
    m->model = std::make_shared<Model>(rt->rt, dir, o);
    m->stored_dtype = dtype_name(m->model->checkpoint().dominant_dtype());
    m->dtype = dtype_name(m->model->load_dtype());
    *out = m.release();
  });
}

PLINTH_EXPORT void plinth_model_free(plinth_model *model) { delete model; }

PLINTH_EXPORT plinth_status plinth_model_get_info(const plinth_model *m, plinth_model_info *out) {
  return guarded([&] {
    require(m && out, "model or out is NULL");
    const Model &mm = *m->model;
    plinth_model_info info{};
    info.struct_size = sizeof info;
    // Strings live in the model's checkpoint/plugin objects, valid while the model lives.
    info.model_type = mm.checkpoint().config().find("model_type")->get_ref<const std::string &>().c_str();
    const auto *a = mm.checkpoint().config().find("architectures.0");
    info.architecture = (a && a->is_string()) ? a->get_ref<const std::string &>().c_str() : "";
    info.head = mm.head().c_str();
    info.plugin = mm.arch_plugin().manifest.name.c_str();
    info.backend = mm.backend().plugin.manifest.name.c_str();
    info.device = mm.backend().description.c_str();
    info.stored_dtype = m->stored_dtype.c_str();
    info.dtype = m->dtype.c_str();
    info.n_parameters = mm.checkpoint().n_parameters();
    info.vocab_size = mm.info().vocab_size;
    info.can_generate = mm.info().can_generate;
    info.weight_bytes = mm.weight_bytes();
    copy_info_out(info, out);
  });
}

PLINTH_EXPORT plinth_status plinth_model_tokenizer(plinth_model *m, plinth_tokenizer **out) {
  return guarded([&] {
    require(m && out, "model or out is NULL");
    auto t = m->model->shared_tokenizer();
    if (!t) throw Error(PLINTH_ERR_NOT_FOUND, "model has no tokenizer: " + m->model->tokenizer_error());
    *out = new plinth_tokenizer{std::move(t), m->model->limits().text_bytes};
  });
}

PLINTH_EXPORT void plinth_forward_options_init(plinth_forward_options *o, size_t size) {
  plinth_forward_options d{};
  d.struct_size = sizeof d;
  plinth::init_versioned(o, size, d);
}

PLINTH_EXPORT plinth_status plinth_model_forward(plinth_model *m, const plinth_host_tensor *inputs,
                                                 int32_t n_inputs,
                                                 const plinth_forward_options *opts,
                                                 plinth_outputs **out) {
  return guarded([&] {
    require(m && out && (inputs || n_inputs == 0) && n_inputs >= 0, "invalid forward arguments");
    std::vector<plinth_host_tensor> in(inputs, inputs + n_inputs);
    const bool hs = field_or(opts, &plinth_forward_options::output_hidden_states, 0) != 0;
    std::vector<std::string> wanted;
    if (auto w = field_or(opts, &plinth_forward_options::wanted, (const char *const *)nullptr))
      for (; *w; ++w) wanted.emplace_back(*w);
    auto res = std::make_unique<plinth_outputs>();
    res->outputs = m->model->forward(in, hs, wanted);
    *out = res.release();
  });
}

PLINTH_EXPORT int32_t plinth_outputs_count(const plinth_outputs *o) {
  return o ? static_cast<int32_t>(o->outputs.size()) : 0;
}

static void view_of(const HostOutput &h, plinth_host_tensor *out) {
  out->name = h.name.c_str();
  out->dtype = h.dtype;
  out->ndim = static_cast<int32_t>(h.shape.size());
  for (int i = 0; i < PLINTH_MAX_DIMS; ++i)
    out->shape[i] = i < out->ndim ? h.shape[static_cast<size_t>(i)] : 1;
  out->data = const_cast<uint8_t *>(h.data.data());
}

PLINTH_EXPORT plinth_status plinth_outputs_at(const plinth_outputs *o, int32_t index,
                                              plinth_host_tensor *out) {
  return guarded([&] {
    require(o && out, "outputs or out is NULL");
    require(index >= 0 && static_cast<size_t>(index) < o->outputs.size(), "output index out of range");
    view_of(o->outputs[static_cast<size_t>(index)], out);
  });
}

PLINTH_EXPORT plinth_status plinth_outputs_find(const plinth_outputs *o, const char *name,
                                                plinth_host_tensor *out) {
  return guarded([&] {
    require(o && name && out, "outputs, name or out is NULL");
    for (const auto &h : o->outputs)
      if (h.name == name) return view_of(h, out);
    throw Error(PLINTH_ERR_NOT_FOUND, std::string("no output named '") + name + "'");
  });
}

PLINTH_EXPORT void plinth_outputs_free(plinth_outputs *o) { delete o; }

} // extern "C"
