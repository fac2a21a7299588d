// The task heads of one architecture plugin, declared once: each head's enum value, its name on
// the C API and the transformers classes it serves. From that one table come the three things
// that must agree: the vtable's nullptr-terminated list of head names, head_for_class (class ->
// head name) and parse (head name -> enum, with the plugin's default for an empty name).
// It lives next to the plugin's `enum class Head`, where both its model and its C edge see it:
//   inline constexpr plugin::HeadTable kHeads{"gpt2", Head::causal_lm, {
//       {Head::base, "base", {"GPT2Model"}},
//       {Head::causal_lm, "causal_lm", {"GPT2LMHeadModel", "GPT2DoubleHeadsModel"}}}};
//
// The table is built at compile time (a duplicate name or class, or a default head that is not
// in the table, fails the build) and lookups neither allocate nor copy.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "error.hpp"

namespace plinth::plugin {

// More classes for one head than this is a compile error ("too many initializers"): raise it.
inline constexpr std::size_t kMaxClassesPerHead = 4;

template <class H> struct HeadEntry {
  H head{};
  const char *name = nullptr;
  std::array<const char *, kMaxClassesPerHead> classes{}; // unused slots stay nullptr
};

template <class H, std::size_t N> class HeadTable {
public:
  // family: how error messages name the plugin ("<family>: head 'x' is not served").
  consteval HeadTable(const char *family, H default_head, const HeadEntry<H> (&entries)[N])
      : family_(family), default_(default_head) {
    bool default_listed = false;
    for (std::size_t i = 0; i < N; ++i) {
      entries_[i] = entries[i];
      names_[i] = entries[i].name;
      default_listed = default_listed || entries[i].head == default_head;
      for (std::size_t j = 0; j < i; ++j) {
        if (entries[j].head == entries[i].head) throw "head table: a head is listed twice";
        if (std::string_view(entries[j].name) == entries[i].name)
          throw "head table: a head name is listed twice";
        for (const char *a : entries[i].classes)
          for (const char *b : entries[j].classes)
            if (a != nullptr && b != nullptr && std::string_view(a) == b)
              throw "head table: a class is mapped to two heads";
      }
    }
    if (!default_listed) throw "head table: the default head is not in the table";
  }

  // The vtable's `heads`: the names in table order, then nullptr. Static storage when the
  // table itself is a namespace-scope constant.
  constexpr const char *const *names() const { return names_.data(); }

  // The head name serving a transformers class, or nullptr when no head serves it.
  constexpr const char *head_for_class(const char *hf_class) const {
    if (hf_class == nullptr) return nullptr;
    const std::string_view c = hf_class;
    for (const auto &e : entries_)
      for (const char *cls : e.classes)
        if (cls != nullptr && c == cls) return e.name;
    return nullptr;
  }

  // The head named `head`; nullptr or "" means the plugin's default. Throws
  // PLINTH_ERR_UNSUPPORTED for a name the table does not hold.
  H parse(const char *head) const {
    if (head == nullptr || *head == '\0') return default_;
    const std::string_view h = head;
    for (const auto &e : entries_)
      if (h == e.name) return e.head;
    fail(PLINTH_ERR_UNSUPPORTED, std::string(family_) + ": head '" + head + "' is not served");
  }

private:
  const char *family_;
  H default_;
  std::array<HeadEntry<H>, N> entries_{};
  std::array<const char *, N + 1> names_{}; // names_[N] stays nullptr
};

// The vtable's head_for_class slot, a plain C function reading `table`:
//   static constexpr auto head_for_class = plugin::head_for_class<kHeads>;
template <const auto &table> const char *head_for_class(const char *hf_class) noexcept {
  return table.head_for_class(hf_class);
}

} // namespace plinth::plugin
