// Writes a valid sample GGUF file (the unit tests' one) as the fuzzer's seed.
#include "gguf_writer.hpp"

#include <fstream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ofstream out(argv[1], std::ios::binary);
  out << studio::gguf::test::sample_llama_file();
  return out ? 0 : 1;
}
