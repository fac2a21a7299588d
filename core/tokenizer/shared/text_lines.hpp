// Lines of a text file's contents, as the slow tokenizers read their vocabularies: split at
// '\n', one trailing '\r' removed per line, no empty line after a final '\n'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace plinth::tok {

std::vector<std::string> split_lines(std::string_view text);

} // namespace plinth::tok
