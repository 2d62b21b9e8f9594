// GGUF header metadata: what the model API reports about a model file,
// read without touching tensor data. Pure over a byte_source; hostile input
// yields a parse_error, never a crash or an unbounded allocation.
#pragma once

#include "studio/gguf/byte_source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace studio::gguf {

struct metadata {
  std::uint32_t version = 0;              // GGUF version (2 or 3)
  std::uint64_t tensor_count = 0;
  std::uint64_t kv_count = 0;
  std::string architecture;               // general.architecture, e.g. "llama", "qwen2"
  std::optional<std::string> name;        // general.name
  std::optional<std::string> size_label;  // general.size_label, e.g. "7B"
  std::optional<std::uint32_t> file_type; // general.file_type (llama_ftype)
  std::optional<std::uint64_t> context_length;    // <arch>.context_length
  std::optional<std::uint64_t> embedding_length;  // <arch>.embedding_length
  std::optional<std::uint64_t> block_count;       // <arch>.block_count
  std::optional<std::uint64_t> head_count;        // <arch>.attention.head_count
  std::optional<std::uint64_t> head_count_kv;     // <arch>.attention.head_count_kv
  std::optional<std::uint64_t> parameter_count;   // sum of tensor element counts, when the tensor table reads cleanly
};

struct parse_error {
  std::string message;
  std::uint64_t offset = 0;  // where reading failed
};

using read_result = std::variant<metadata, parse_error>;

// Reads the header, every key/value (keeping the ones above, skipping the rest
// — large arrays are skipped, not stored) and the tensor table.
read_result read_metadata(byte_source& source);

// Opens and reads a file; a file that cannot be opened is a parse_error too.
read_result read_metadata_file(const std::filesystem::path& path);

// "Q4_K_M", "F16", ... for a llama_ftype value; nullopt if unknown.
std::optional<std::string> file_type_name(std::uint32_t file_type);

}  // namespace studio::gguf
