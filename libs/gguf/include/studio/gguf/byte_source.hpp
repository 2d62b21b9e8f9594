// Random-access bytes for the GGUF reader: a file (pread) or memory (tests, fuzzing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace studio::gguf {

class byte_source {
 public:
  virtual ~byte_source() = default;
  virtual std::uint64_t size() const = 0;
  // Reads exactly n bytes at offset; false if they are not all there.
  virtual bool read(std::uint64_t offset, void* out, std::size_t n) = 0;
};

class memory_source final : public byte_source {
 public:
  explicit memory_source(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  bool read(std::uint64_t offset, void* out, std::size_t n) override;

 private:
  std::string_view bytes_;
};

// A read-only file. Throws std::system_error naming the path if it cannot be opened.
class file_source final : public byte_source {
 public:
  explicit file_source(const std::filesystem::path& path);
  ~file_source() override;
  file_source(const file_source&) = delete;
  file_source& operator=(const file_source&) = delete;
  std::uint64_t size() const override { return size_; }
  bool read(std::uint64_t offset, void* out, std::size_t n) override;

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace studio::gguf
