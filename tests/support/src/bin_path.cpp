// bin_path: STUDIO_BIN_DIR comes from CMake (CMAKE_RUNTIME_OUTPUT_DIRECTORY).
#include "studio/test/bin_path.hpp"

#include <stdexcept>
#include <string>

#ifndef STUDIO_BIN_DIR
#error "STUDIO_BIN_DIR must be defined by the build"
#endif

namespace studio::test {

std::filesystem::path bin_path(std::string_view name) {
  auto path = std::filesystem::path(STUDIO_BIN_DIR) / name;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("test binary not built: " + path.string());
  }
  return path;
}

}  // namespace studio::test
