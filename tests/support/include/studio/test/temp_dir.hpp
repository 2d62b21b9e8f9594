// A unique directory under the system temp directory, removed (with its
// contents) on destruction.
#pragma once

#include <filesystem>
#include <string_view>

namespace studio::test {

class temp_dir {
 public:
  // Throws std::system_error when the directory cannot be created.
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to path()/name (creating parent directories) and returns its path.
  std::filesystem::path write_file(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace studio::test
