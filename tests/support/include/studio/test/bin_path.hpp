// Where the build put its executables (build/bin/), for tests that run them.
#pragma once

#include <filesystem>
#include <string_view>

namespace studio::test {

// build/bin/<name> of the build these tests belong to. Throws
// std::runtime_error when no such file exists (naming the path).
std::filesystem::path bin_path(std::string_view name);

}  // namespace studio::test
