#include "table_tokenizer.hpp"

#include <atomic>
#include <cstddef>
#include <new>

#include "tok_error.hpp"

namespace plinth::tok {

namespace {

std::atomic<const plinth_host_api *> g_host{nullptr};

// The members a table must reach for TableTokenizer (the whole current layout).
constexpr size_t kTableSize = offsetof(plinth_tokenizer_vtable, padding_left) + sizeof(void *);
constexpr size_t kIoSize = offsetof(plinth_encode_io, emit) + sizeof(void *);

const Tokenizer &tok_of(const plinth_arch_tokenizer *h) {
  if (h == nullptr) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "tokenizer handle is NULL");
  return *reinterpret_cast<const Tokenizer *>(h);
}

std::string_view text_arg(const char *p, int64_t len, const char *what) {
  if (len < 0 || (p == nullptr && len > 0))
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, std::string("encode: bad ") + what);
  return {p == nullptr ? "" : p, static_cast<size_t>(len)};
}

plinth_status t_encode(const plinth_arch_tokenizer *h, const plinth_encode_io *io) {
  return table_guard([&] {
    const Tokenizer &t = tok_of(h);
    if (io == nullptr || io->struct_size < kIoSize || io->push == nullptr || io->emit == nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "encode: missing or too small plinth_encode_io");
    EncodeOptions o;
    o.add_special_tokens = io->add_special_tokens != 0;
    if (io->pair != nullptr) o.pair = std::string(text_arg(io->pair, io->pair_len, "pair"));
    if (io->max_length < 0) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "encode: max_length < 0");
    o.max_length = static_cast<size_t>(io->max_length);
    if (io->kwargs_json != nullptr) {
      require_takes_kwargs(t);
      o.kwargs_json = io->kwargs_json;
    }
    const Encoding e = t.encode(text_arg(io->text, io->text_len, "text"), o);
    for (size_t i = 0; i < e.ids.size(); ++i) {
      const plinth_status st =
          io->push(io->out_ctx, e.ids[i], e.type_ids[i], e.tokens[i].c_str(), e.offsets[i].first,
                   e.offsets[i].second, e.special_tokens_mask[i]);
      if (st != PLINTH_OK) throw Error(st, table_host()->last_error());
    }
    for (const NamedTensor &n : e.tensors) {
      plinth_host_tensor ht{};
      ht.name = n.name.c_str();
      ht.dtype = PLINTH_DTYPE_I32;
      if (n.shape.size() > PLINTH_MAX_DIMS)
        throw Error(PLINTH_ERR_INTERNAL, "encoding tensor " + n.name + " has too many dims");
      ht.ndim = static_cast<int32_t>(n.shape.size());
      for (size_t d = 0; d < n.shape.size(); ++d)
        ht.shape[d] = n.shape[d];
      ht.data = const_cast<int32_t *>(n.data.data());
      const plinth_status st = io->emit(io->out_ctx, &ht, n.pad);
      if (st != PLINTH_OK) throw Error(st, table_host()->last_error());
    }
  });
}

plinth_status t_decode(const plinth_arch_tokenizer *h, const int32_t *ids, int64_t n, int32_t skip,
                       plinth_text_fn sink, void *ctx) {
  return table_guard([&] {
    if (n < 0 || (ids == nullptr && n > 0) || sink == nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "decode: bad ids or sink");
    const std::string text =
        tok_of(h).decode(std::span<const int32_t>(ids, static_cast<size_t>(n)), skip != 0);
    const plinth_status st = sink(ctx, text.data(), static_cast<int64_t>(text.size()));
    if (st != PLINTH_OK) throw Error(st, table_host()->last_error());
  });
}

// The answers that cannot fail have no status: an exception there becomes "none".
template <class R, class F> R or_else(R fallback, F &&fn) noexcept {
  try {
    return fn();
  } catch (...) {
    return fallback;
  }
}

int64_t t_vocab_size(const plinth_arch_tokenizer *h) {
  return or_else<int64_t>(-1, [&] { return tok_of(h).vocab_size(); });
}

int32_t t_token_to_id(const plinth_arch_tokenizer *h, const char *token, int64_t len) {
  if (token == nullptr || len < 0) return -1;
  return or_else<int32_t>(-1, [&] {
    return tok_of(h).token_to_id(std::string_view(token, static_cast<size_t>(len))).value_or(-1);
  });
}

plinth_status t_id_to_token(const plinth_arch_tokenizer *h, int32_t id, plinth_text_fn sink,
                            void *ctx) {
  std::optional<std::string> t;
  const plinth_status st = table_guard([&] {
    if (sink == nullptr) throw Error(PLINTH_ERR_INVALID_ARGUMENT, "id_to_token: sink is NULL");
    t = tok_of(h).id_to_token(id);
  });
  if (st != PLINTH_OK) return st;
  if (!t) return PLINTH_ERR_NOT_FOUND; // no error recorded: an unknown id is an answer
  return sink(ctx, t->data(), static_cast<int64_t>(t->size()));
}

int32_t t_special_id(const plinth_arch_tokenizer *h, int32_t role) {
  if (role < PLINTH_SPECIAL_BOS || role > PLINTH_SPECIAL_MASK) return -1;
  return or_else<int32_t>(
      -1, [&] { return tok_of(h).special_id(static_cast<Special>(role)).value_or(-1); });
}

int32_t t_is_special(const plinth_arch_tokenizer *h, int32_t id) {
  return or_else<int32_t>(0, [&] { return tok_of(h).is_special(id) ? 1 : 0; });
}

int32_t t_padding_left(const plinth_arch_tokenizer *h) {
  return or_else<int32_t>(0, [&] { return tok_of(h).padding_side() == "left" ? 1 : 0; });
}

void t_free(plinth_arch_tokenizer *h) { delete reinterpret_cast<Tokenizer *>(h); }

// Receivers of TableTokenizer's calls.
plinth_status push_token(void *ctx, int32_t id, int32_t type_id, const char *token, int64_t start,
                         int64_t end, int32_t special) {
  return table_guard([&] {
    auto &e = *static_cast<Encoding *>(ctx);
    e.ids.push_back(id);
    e.type_ids.push_back(type_id);
    e.tokens.emplace_back(token == nullptr ? "" : token);
    e.offsets.emplace_back(start, end);
    e.special_tokens_mask.push_back(special != 0 ? 1 : 0);
    e.attention_mask.push_back(1);
  });
}

plinth_status emit_tensor(void *ctx, const plinth_host_tensor *t, int32_t pad) {
  return table_guard([&] {
    if (t == nullptr || t->name == nullptr || t->dtype != PLINTH_DTYPE_I32 || t->ndim < 1 ||
        t->ndim > PLINTH_MAX_DIMS)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  "emit: an encoding tensor must be named int32 with 1 to 4 dims");
    NamedTensor n;
    n.name = t->name;
    int64_t count = 1;
    for (int32_t d = 0; d < t->ndim; ++d) {
      if (t->shape[d] < 0 || (t->shape[d] > 0 && count > (int64_t{1} << 40) / t->shape[d]))
        throw Error(PLINTH_ERR_INVALID_ARGUMENT, "emit: bad shape of tensor " + n.name);
      n.shape.push_back(t->shape[d]);
      count *= t->shape[d];
    }
    if (count > 0 && t->data == nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "emit: tensor " + n.name + " has no data");
    const auto *p = static_cast<const int32_t *>(t->data);
    n.data.assign(p, p + count);
    n.pad = pad;
    auto &e = *static_cast<Encoding *>(ctx);
    if (e.find(n.name) != nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "emit: tensor " + n.name + " given twice");
    e.tensors.push_back(std::move(n));
  });
}

plinth_status append_text(void *ctx, const char *text, int64_t len) {
  if (len < 0 || (text == nullptr && len > 0)) return PLINTH_ERR_INVALID_ARGUMENT;
  static_cast<std::string *>(ctx)->assign(text == nullptr ? "" : text, static_cast<size_t>(len));
  return PLINTH_OK;
}

} // namespace

void set_table_host(const plinth_host_api *host) noexcept { g_host.store(host); }
const plinth_host_api *table_host() noexcept { return g_host.load(); }

plinth_status report_table_exception() noexcept {
  plinth_status st = PLINTH_ERR_INTERNAL;
  const char *msg = "unknown error";
  try {
    throw;
  } catch (const Error &e) {
    st = e.status();
    msg = e.what();
    if (const plinth_host_api *h = table_host()) return h->set_error(st, msg);
  } catch (const std::bad_alloc &) {
    st = PLINTH_ERR_OUT_OF_MEMORY;
    if (const plinth_host_api *h = table_host()) return h->set_error(st, "out of memory");
  } catch (const std::exception &e) {
    if (const plinth_host_api *h = table_host()) return h->set_error(st, e.what());
  } catch (...) {
    if (const plinth_host_api *h = table_host()) return h->set_error(st, msg);
  }
  return st;
}

plinth_tokenizer_vtable tokenizer_table(plinth_status (*create)(const plinth_tokenizer_env *,
                                                                plinth_arch_tokenizer **)) {
  plinth_tokenizer_vtable v{};
  v.struct_size = sizeof v;
  v.create = create;
  v.free = t_free;
  v.encode = t_encode;
  v.decode = t_decode;
  v.vocab_size = t_vocab_size;
  v.token_to_id = t_token_to_id;
  v.id_to_token = t_id_to_token;
  v.special_id = t_special_id;
  v.is_special = t_is_special;
  v.padding_left = t_padding_left;
  return v;
}

TableTokenizer::TableTokenizer(const plinth_tokenizer_vtable *table, plinth_arch_tokenizer *handle,
                               std::shared_ptr<const void> keepalive)
    : table_(table), handle_(handle), keepalive_(std::move(keepalive)) {
  if (table_ == nullptr || table_->struct_size < kTableSize || handle_ == nullptr) {
    if (table_ != nullptr && handle_ != nullptr &&
        table_->struct_size >= offsetof(plinth_tokenizer_vtable, free) + sizeof(void *))
      table_->free(handle_);
    throw Error(PLINTH_ERR_FORMAT, "tokenizer table missing or too small (struct_size)");
  }
}

TableTokenizer::~TableTokenizer() { table_->free(handle_); }

void TableTokenizer::fail(plinth_status status) const {
  const plinth_host_api *h = table_host();
  throw Error(status, h != nullptr ? h->last_error() : "tokenizer call failed");
}

Encoding TableTokenizer::encode(std::string_view text, const EncodeOptions &opts) const {
  Encoding e;
  plinth_encode_io io{};
  io.struct_size = sizeof io;
  io.add_special_tokens = opts.add_special_tokens ? 1 : 0;
  io.text = text.data();
  io.text_len = static_cast<int64_t>(text.size());
  if (opts.pair) {
    io.pair = opts.pair->data();
    io.pair_len = static_cast<int64_t>(opts.pair->size());
  }
  io.max_length = static_cast<int64_t>(opts.max_length);
  io.kwargs_json = opts.kwargs_json.empty() ? nullptr : opts.kwargs_json.c_str();
  io.out_ctx = &e;
  io.push = push_token;
  io.emit = emit_tensor;
  const plinth_status st = table_->encode(handle_, &io);
  if (st != PLINTH_OK) fail(st);
  return e;
}

std::string TableTokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::string text;
  const plinth_status st = table_->decode(handle_, ids.data(), static_cast<int64_t>(ids.size()),
                                          skip_special_tokens ? 1 : 0, append_text, &text);
  if (st != PLINTH_OK) fail(st);
  return text;
}

int64_t TableTokenizer::vocab_size() const { return table_->vocab_size(handle_); }

std::optional<int32_t> TableTokenizer::token_to_id(std::string_view token) const {
  const std::string t(token); // the table takes a pointer and a length; keep it NUL-safe
  const int32_t id = table_->token_to_id(handle_, t.data(), static_cast<int64_t>(t.size()));
  return id < 0 ? std::nullopt : std::optional<int32_t>(id);
}

std::optional<std::string> TableTokenizer::id_to_token(int32_t id) const {
  std::string text;
  const plinth_status st = table_->id_to_token(handle_, id, append_text, &text);
  if (st == PLINTH_ERR_NOT_FOUND) return std::nullopt;
  if (st != PLINTH_OK) fail(st);
  return text;
}

std::optional<int32_t> TableTokenizer::special_id(Special role) const {
  const int32_t id = table_->special_id(handle_, static_cast<int32_t>(role));
  return id < 0 ? std::nullopt : std::optional<int32_t>(id);
}

bool TableTokenizer::is_special(int32_t id) const { return table_->is_special(handle_, id) != 0; }

std::string TableTokenizer::padding_side() const {
  return table_->padding_left(handle_) != 0 ? "left" : "right";
}

} // namespace plinth::tok
