// Parsed GGUF metadata cached by (path, size, mtime): a warm listing touches
// no file contents, only stat. Thread-safe (parsing may run on a thread pool).
#pragma once

#include "studio/gguf/metadata.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace studio::gguf {

class metadata_cache {
 public:
  // The metadata of `path`, parsed only when size or mtime changed since last time.
  read_result get(const std::filesystem::path& path, std::uint64_t size,
                  std::filesystem::file_time_type mtime);
  std::size_t parses() const;  // how many files were actually read (for tests/benchmarks)
  // Drops entries whose files are not in `keep` (bounded memory as files come and go).
  void retain_only(const std::vector<std::filesystem::path>& keep);

 private:
  struct entry {
    std::uint64_t size;
    std::filesystem::file_time_type mtime;
    read_result result;
  };
  mutable std::mutex mutex_;
  // Keyed by the path's text: std::map<path> compares component by component, which
  // made a warm listing of 200 files measurably slower.
  std::map<std::string, entry, std::less<>> entries_;
  std::size_t parses_ = 0;
};

}  // namespace studio::gguf
