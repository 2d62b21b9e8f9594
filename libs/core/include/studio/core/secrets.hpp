// Secrets at rest: random key material and the generated management key file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace studio {

// `bytes` bytes from OpenSSL's CSPRNG, as 2*bytes lowercase hex characters.
// Throws std::runtime_error naming the OpenSSL error if the generator fails.
std::string random_hex(std::size_t bytes);

// Whether a string can be an API key: non-empty, at most 4096 characters, printable ASCII
// without spaces (so it survives an X-API-Key or Authorization: Bearer header unchanged).
bool valid_api_key(std::string_view key);

struct key_file_result {
  std::string key;             // the management key; never log it
  std::filesystem::path path;  // <studio_dir>/secrets/api-key
  bool generated;              // true when this call created the file
};

// Returns the management key stored in <studio_dir>/secrets/api-key, creating it on first use.
// - Existing file: its content with surrounding whitespace trimmed; its mode is tightened to
//   0600 if it was more open. Empty or otherwise invalid content is an error (the file is left
//   alone for the operator to fix or delete).
// - No file: creates <studio_dir> and secrets/ (0700), generates "sk-studio-" + 64 hex chars,
//   writes a temporary file (O_EXCL, 0600), fsyncs it and links it into place, so a reader never
//   sees a partial key and, if two processes race, both end up with the first one's key.
// Throws std::runtime_error with the path and the system error on any failure.
key_file_result ensure_management_key(const std::filesystem::path& studio_dir);

}  // namespace studio
