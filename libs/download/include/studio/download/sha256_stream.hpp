// SHA-256 with OpenSSL EVP, fed incrementally; and hashing a file's first bytes (blocking:
// call it on a worker thread, never on the I/O thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace studio::download {

class sha256_stream {
 public:
  sha256_stream();  // throws std::runtime_error when OpenSSL cannot set up the digest
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  void update(std::string_view data);
  // The lower-case hex digest; the stream is reset afterwards.
  std::string finish();
  void reset();

 private:
  evp_md_ctx_st* ctx_;
};

// Feeds the first `length` bytes of `path` into `hash`. False when the file is shorter or unreadable.
bool hash_file_prefix(const std::filesystem::path& path, std::uint64_t length, sha256_stream& hash);

}  // namespace studio::download
