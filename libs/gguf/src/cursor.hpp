// Private: a forward reader over a byte_source with a small read buffer and
// bounds checks on every step (little-endian host assumed, as GGUF is).
#pragma once

#include "studio/gguf/byte_source.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <string>

namespace studio::gguf {

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

class cursor {
 public:
  explicit cursor(byte_source& source) : source_(source), size_(source.size()) {}

  std::uint64_t position() const { return pos_; }
  std::uint64_t remaining() const { return size_ - pos_; }

  bool read(void* out, std::size_t n) {
    if (n > remaining()) return false;
    if (n > buffer_.size()) {
      if (!source_.read(pos_, out, n)) return false;
      pos_ += n;
      return true;
    }
    if (pos_ < buffer_start_ || pos_ + n > buffer_start_ + buffer_len_) {
      buffer_start_ = pos_;
      buffer_len_ = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), remaining()));
      if (!source_.read(buffer_start_, buffer_.data(), buffer_len_)) {
        buffer_len_ = 0;
        return false;
      }
    }
    std::memcpy(out, buffer_.data() + (pos_ - buffer_start_), n);
    pos_ += n;
    return true;
  }

  template <class T>
  bool read_le(T& value) {
    return read(&value, sizeof value);
  }

  bool skip(std::uint64_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

 private:
  byte_source& source_;
  std::uint64_t size_;
  std::uint64_t pos_ = 0;
  std::array<char, 64 * 1024> buffer_{};
  std::uint64_t buffer_start_ = 0;
  std::size_t buffer_len_ = 0;
};

}  // namespace studio::gguf
