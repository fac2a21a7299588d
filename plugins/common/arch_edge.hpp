// The C edge of an architecture plugin: the vtable functions, each guarding its call and
// forwarding to the family's Model / Session, plus the plugin descriptor. Every family's edge
// is the same apart from the names it serves, so a plugin states only a Spec:
//
//   struct Spec {
//     using Model = FooModel;     // Model(const plinth_model_env &), forward(ForwardIO),
//                                 // can_generate(), config().vocab_size / .max_positions
//     using Session = FooSession; // Session(const Model &, batch, max_tokens), step(io);
//                                 // void for an encoder without generation sessions
//     static constexpr const char *name = "foo";       // the descriptor's plugin name
//     static constexpr const char *label = "foo";      // error-message prefix
//     static constexpr const char *model_type = "foo"; // config.json model_type served
//     static constexpr const char *version = "0.1.0";
//     static constexpr const auto &head_table = kHeads; // the family's HeadTable
//     // optional: static void info(const Model &, plinth_arch_model_info *);
//     // optional: static void check_session(const Model &); // before a session is made
//     // optional, a tokenizer the plugin provides (core/tokenizer/shared/table_tokenizer.hpp):
//     // static constexpr const char *const *tokenizer_classes = ...;
//     // static constexpr const plinth_tokenizer_vtable *tokenizer = &kTokenizerTable;
//   };
//
// and writes PLINTH_DEFINE_ARCH_PLUGIN(Spec) at global scope, which defines the opaque handles
// (plinth_arch_model / plinth_arch_session own the Model / Session) and the entry point.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

#include "error.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"

namespace plinth::plugin {

// What plinth_arch_session holds: the Session, or nothing for an encoder.
template <class S> struct SessionHolder { using type = std::unique_ptr<S>; };
template <> struct SessionHolder<void> { using type = std::nullptr_t; };

template <class Spec, class ArchModel, class ArchSession> struct ArchEdge {
  using Model = typename Spec::Model;
  using Session = typename Spec::Session;
  static constexpr bool kSessions = !std::is_void_v<Session>;
  static constexpr const char *kModelTypes[] = {Spec::model_type, nullptr};

  static std::string prefix() { return std::string(Spec::label) + ": "; }

  static plinth_status model_create(const plinth_model_env *env, ArchModel **out) {
    return guard([&] {
      if (env == nullptr || out == nullptr || env->ops == nullptr || env->host == nullptr)
        fail(PLINTH_ERR_INVALID_ARGUMENT, prefix() + "model_create got a NULL argument");
      auto m = std::make_unique<ArchModel>();
      m->model = std::make_unique<Model>(*env);
      *out = m.release();
    });
  }

  static void model_free(ArchModel *m) { delete m; }

  static plinth_status model_info(const ArchModel *m, plinth_arch_model_info *out) {
    return guard([&] {
      if (m == nullptr || out == nullptr)
        fail(PLINTH_ERR_INVALID_ARGUMENT, prefix() + "model_info got a NULL argument");
      if constexpr (requires { Spec::info(*m->model, out); }) {
        Spec::info(*m->model, out);
      } else if constexpr (kSessions) {
        const bool gen = m->model->can_generate();
        out->vocab_size = gen ? m->model->config().vocab_size : 0;
        out->max_positions = m->model->config().max_positions;
        out->can_generate = gen ? 1 : 0;
      } else {
        out->vocab_size = 0;
        out->max_positions = m->model->config().max_positions;
        out->can_generate = 0;
      }
    });
  }

  static plinth_status forward(ArchModel *m, const plinth_forward_io *io) {
    return guard([&] {
      if (m == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, prefix() + "forward got a NULL model");
      m->model->forward(ForwardIO(io));
    });
  }

  static plinth_status session_create(ArchModel *m, int32_t batch, int32_t max_tokens,
                                      ArchSession **out) {
    return guard([&] {
      if (m == nullptr || out == nullptr)
        fail(PLINTH_ERR_INVALID_ARGUMENT, prefix() + "session_create got a NULL argument");
      if (!m->model->can_generate())
        fail(PLINTH_ERR_UNSUPPORTED, prefix() + "only the causal_lm head can generate");
      if constexpr (requires { Spec::check_session(*m->model); }) Spec::check_session(*m->model);
      auto s = std::make_unique<ArchSession>();
      s->session = std::make_unique<Session>(*m->model, batch, max_tokens);
      *out = s.release();
    });
  }

  static void session_free(ArchSession *s) { delete s; }

  static plinth_status session_step(ArchSession *s, const plinth_step_io *io) {
    return guard([&] {
      if (s == nullptr || io == nullptr)
        fail(PLINTH_ERR_INVALID_ARGUMENT, prefix() + "session_step got a NULL argument");
      s->session->step(*io);
    });
  }

  static constexpr plinth_arch_vtable make_vtable() {
    plinth_arch_vtable v = {
        .struct_size = sizeof(plinth_arch_vtable),
        .model_types = kModelTypes,
        .heads = Spec::head_table.names(),
        .head_for_class = plugin::head_for_class<Spec::head_table>,
        .model_create = model_create,
        .model_free = model_free,
        .model_info = model_info,
        .forward = forward,
        // an encoder: no generation sessions
        .session_create = nullptr,
        .session_free = nullptr,
        .session_step = nullptr,
        // no tokenizer of its own
        .tokenizer_classes = nullptr,
        .tokenizer = nullptr,
    };
    if constexpr (requires { Spec::tokenizer; }) {
      v.tokenizer_classes = Spec::tokenizer_classes;
      v.tokenizer = Spec::tokenizer;
    }
    if constexpr (kSessions) {
      v.session_create = session_create;
      v.session_free = session_free;
      v.session_step = session_step;
    }
    return v;
  }

  static constexpr plinth_arch_vtable kVtable = make_vtable();

  static constexpr plinth_plugin_descriptor kDescriptor = {
      .struct_size = sizeof(plinth_plugin_descriptor),
      .abi_version = PLINTH_ABI_VERSION,
      .kind = PLINTH_PLUGIN_ARCHITECTURE,
      .name = Spec::name,
      .version = Spec::version,
      .vtable = &kVtable,
  };

  // The plugin's entry function (for PLINTH_DEFINE_PLUGIN_ENTRY).
  static const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
    set_host(host);
    return &kDescriptor;
  }
};

} // namespace plinth::plugin

// The opaque handles of an architecture plugin and its entry point, from its Spec (above).
#define PLINTH_DEFINE_ARCH_PLUGIN(SpecType)                                                        \
  struct plinth_arch_model {                                                                       \
    std::unique_ptr<SpecType::Model> model;                                                        \
  };                                                                                               \
  struct plinth_arch_session {                                                                     \
    plinth::plugin::SessionHolder<SpecType::Session>::type session;                                \
  };                                                                                               \
  PLINTH_DEFINE_PLUGIN_ENTRY(                                                                      \
      (plinth::plugin::ArchEdge<SpecType, plinth_arch_model, plinth_arch_session>::entry))
