#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.hpp"

#include <pcre2.h>

#include "error.hpp"

namespace plinth::tok {

struct Regex::Impl {
  pcre2_code *code = nullptr;
  ~Impl() {
    if (code != nullptr) {
      pcre2_code_free(code);
    }
  }
};

Regex::Regex(const std::string &pattern) : impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE off = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, nullptr);
  if (impl_->code == nullptr) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw Error(PLINTH_ERR_FORMAT, "invalid regex '" + pattern + "' at " + std::to_string(off) +
                                       ": " + reinterpret_cast<const char *>(msg));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE); // best effort; the interpreter also works
}

Regex::~Regex() = default;

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  size_t pos = 0;
  while (pos <= text.size()) {
    const int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                               pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc < 0) {
      break;
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    const size_t s = ov[0], e = ov[1];
    if (e > s) {
      out.push_back({s, e});
      pos = e;
    } else {
      // Empty match: step over one character.
      pos = s + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) {
        ++pos;
      }
    }
  }
  pcre2_match_data_free(md);
  return out;
}

} // namespace plinth::tok
