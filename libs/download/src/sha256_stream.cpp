// sha256_stream over OpenSSL EVP; hash_file_prefix for resume and whole-file verification.
#include "studio/download/sha256_stream.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace studio::download {

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
  reset();
}

sha256_stream::~sha256_stream() { EVP_MD_CTX_free(ctx_); }

void sha256_stream::reset() {
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw std::runtime_error("EVP_DigestInit_ex failed");
}

void sha256_stream::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) throw std::runtime_error("EVP_DigestUpdate failed");
}

std::string sha256_stream::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) throw std::runtime_error("EVP_DigestFinal_ex failed");
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(digits[md[i] >> 4]);
    hex.push_back(digits[md[i] & 15]);
  }
  reset();
  return hex;
}

bool hash_file_prefix(const std::filesystem::path& path, std::uint64_t length, sha256_stream& hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<char> buf(1 << 20);
  while (length > 0) {
    auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(length, buf.size()));
    in.read(buf.data(), want);
    if (in.gcount() != want) return false;
    hash.update(std::string_view(buf.data(), static_cast<std::size_t>(want)));
    length -= static_cast<std::uint64_t>(want);
  }
  return true;
}

}  // namespace studio::download
