// temp_dir: mkdtemp under temp_directory_path(), remove_all on destruction.
#include "studio/test/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

namespace studio::test {

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "studio-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path temp_dir::write_file(std::string_view name, std::string_view content) const {
  auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::system_error(EIO, std::generic_category(), "write " + file.string());
  return file;
}

}  // namespace studio::test
