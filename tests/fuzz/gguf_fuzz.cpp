// libFuzzer target: the GGUF reader on arbitrary bytes must return, not crash,
// hang or allocate without bound (run under ASan/UBSan by scripts/fuzz-gguf.sh).
#include "studio/gguf/metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  studio::gguf::memory_source source(std::string_view(reinterpret_cast<const char*>(data), size));
  auto result = studio::gguf::read_metadata(source);
  (void)result;
  return 0;
}
