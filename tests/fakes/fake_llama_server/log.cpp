// log_line: format into a buffer, then one write(2) so lines never interleave.
#include "log.hpp"

#include <unistd.h>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

namespace studio::fake {
namespace {

void write_all(const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(STDERR_FILENO, data, size);
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void log_line(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string line(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
  if (size > 0) std::vsnprintf(line.data(), line.size() + 1, format, args);
  va_end(args);
  line += '\n';
  write_all(line.data(), line.size());
}

void log_raw(const char* text) { write_all(text, std::strlen(text)); }

}  // namespace studio::fake
