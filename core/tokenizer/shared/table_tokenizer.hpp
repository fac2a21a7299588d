// The ABI's tokenizer table (plinth_tokenizer_vtable, abi/plinth_plugin.h) on both sides of it:
// tokenizer_table() serves any Tokenizer through it (a plugin's tokenizer to the core, the core's
// own to a plugin through host->tokenizer_base), and TableTokenizer is a Tokenizer over a table
// and handle that came from the other side. This code is compiled into the core and into every
// plugin that provides a tokenizer; each side names the host table errors go through.
#pragma once

#include <memory>
#include <string>

#include "plinth_plugin.h"
#include "tok_interface.hpp"

namespace plinth::tok {

// The host table through which the tables record errors (set_error) and read them back
// (last_error): the core's own, or the one a plugin was given. Set before the first call.
void set_table_host(const plinth_host_api *host) noexcept;
const plinth_host_api *table_host() noexcept;

// Records the exception being handled through the table host and returns its status. Only
// from inside a catch block.
plinth_status report_table_exception() noexcept;

// Runs fn, turning any exception into a status: the body of every table function.
template <class F> plinth_status table_guard(F &&fn) noexcept {
  try {
    fn();
    return PLINTH_OK;
  } catch (...) {
    return report_table_exception();
  }
}

// The handles of tokenizer_table() are Tokenizer objects.
inline plinth_arch_tokenizer *to_handle(Tokenizer *t) {
  return reinterpret_cast<plinth_arch_tokenizer *>(t);
}

// A table serving Tokenizer handles, every call guarded; its free deletes the Tokenizer.
// `create` makes them (NULL: a table for handles made some other way).
plinth_tokenizer_vtable tokenizer_table(plinth_status (*create)(const plinth_tokenizer_env *,
                                                                plinth_arch_tokenizer **));

// A Tokenizer over a table and a handle from the other side of the ABI. It owns the handle
// (freed through the table) and `keepalive` (what must outlive it: the plugin's library).
// Errors from the table become plinth::Error with the recorded message.
class TableTokenizer final : public Tokenizer {
public:
  // Throws FORMAT if the table is too small for the members used here.
  TableTokenizer(const plinth_tokenizer_vtable *table, plinth_arch_tokenizer *handle,
                 std::shared_ptr<const void> keepalive = {});
  ~TableTokenizer() override;
  TableTokenizer(const TableTokenizer &) = delete;
  TableTokenizer &operator=(const TableTokenizer &) = delete;

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override;
  int64_t vocab_size() const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  std::optional<int32_t> special_id(Special role) const override;
  bool is_special(int32_t id) const override;
  std::string padding_side() const override;
  bool takes_kwargs() const override { return true; } // the other side decides

private:
  [[noreturn]] void fail(plinth_status status) const;

  const plinth_tokenizer_vtable *table_;
  plinth_arch_tokenizer *handle_;
  std::shared_ptr<const void> keepalive_;
};

} // namespace plinth::tok
