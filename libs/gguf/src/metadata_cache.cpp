// metadata_cache.
#include "studio/gguf/metadata_cache.hpp"

#include <algorithm>

namespace studio::gguf {

read_result metadata_cache::get(const std::filesystem::path& path, std::uint64_t size,
                                std::filesystem::file_time_type mtime) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path.native());
    if (it != entries_.end() && it->second.size == size && it->second.mtime == mtime) return it->second.result;
  }
  auto result = read_metadata_file(path);  // outside the lock: the slow part
  std::lock_guard lock(mutex_);
  ++parses_;
  entries_.insert_or_assign(path.native(), entry{size, mtime, result});
  return result;
}

std::size_t metadata_cache::parses() const {
  std::lock_guard lock(mutex_);
  return parses_;
}

void metadata_cache::retain_only(const std::vector<std::filesystem::path>& keep) {
  std::vector<std::string_view> wanted;
  wanted.reserve(keep.size());
  for (const auto& p : keep) wanted.emplace_back(p.native());
  std::sort(wanted.begin(), wanted.end());
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = std::binary_search(wanted.begin(), wanted.end(), std::string_view(it->first)) ? std::next(it)
                                                                                       : entries_.erase(it);
  }
}

}  // namespace studio::gguf
