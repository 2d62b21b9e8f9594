// Test helpers for core_tests: a fake environment, a fake executable probe and a temp dir.
#pragma once

#include "studio/core/config.hpp"
#include "studio/core/secrets.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace studio::test {

// An environment holding exactly `vars`.
inline env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string{name});
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A probe that finds exactly `paths`.
inline executable_probe fake_probe(std::set<std::filesystem::path> paths = {}) {
  return [paths = std::move(paths)](const std::filesystem::path& p) { return paths.contains(p); };
}

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir()
      : path_(std::filesystem::temp_directory_path() / ("studio-core-test-" + random_hex(8))) {
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to <dir>/<name> and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace studio::test
