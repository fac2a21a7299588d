#include "file_read.hpp"

#include "text_lines.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"

namespace plinth {

namespace {
thread_local size_t t_file_limit = kMaxTextFileBytes;
}

FileLimitScope::FileLimitScope(int64_t bytes) : saved_(t_file_limit) {
  t_file_limit = bytes > 0 ? static_cast<size_t>(bytes) : kMaxTextFileBytes;
}
FileLimitScope::~FileLimitScope() { t_file_limit = saved_; }

int open_regular_file(const std::filesystem::path &path, size_t *size) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    throw Error(errno == ENOENT ? PLINTH_ERR_NOT_FOUND : PLINTH_ERR_IO,
                "cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(PLINTH_ERR_IO, "not a regular file: " + path.string());
  }
  // Regular files ignore O_NONBLOCK; clear it anyway so later reads behave as usual.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = static_cast<size_t>(st.st_size);
  return fd;
}

std::string read_text_file(const std::filesystem::path &path, size_t max_bytes) {
  const bool by_scope = max_bytes == 0;
  if (by_scope) max_bytes = t_file_limit;
  size_t size = 0;
  const int fd = open_regular_file(path, &size);
  if (size > max_bytes) {
    ::close(fd);
    throw Error(PLINTH_ERR_FORMAT,
                path.string() + ": " + std::to_string(size) + " bytes, above the limit of " +
                    std::to_string(max_bytes) +
                    (by_scope ? " (limits.file_bytes in plinth.toml)" : " for this kind of file"));
  }
  std::string text(size, '\0');
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, text.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; // shrunk while reading: keep what is there
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

std::vector<std::string> read_text_lines(const std::filesystem::path &path) {
  return tok::split_lines(read_text_file(path));
}

} // namespace plinth
