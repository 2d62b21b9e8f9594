// memory_source and file_source.
#include "studio/gguf/byte_source.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace studio::gguf {

bool memory_source::read(std::uint64_t offset, void* out, std::size_t n) {
  if (offset > bytes_.size() || n > bytes_.size() - offset) return false;
  std::memcpy(out, bytes_.data() + offset, n);
  return true;
}

file_source::file_source(const std::filesystem::path& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "cannot stat " + path.string());
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

file_source::~file_source() {
  if (fd_ >= 0) ::close(fd_);
}

bool file_source::read(std::uint64_t offset, void* out, std::size_t n) {
  if (offset > size_ || n > size_ - offset) return false;
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

}  // namespace studio::gguf
