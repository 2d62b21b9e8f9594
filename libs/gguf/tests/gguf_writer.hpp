// Test helper: builds small GGUF files byte by byte (valid or deliberately broken).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace studio::gguf::test {

class gguf_writer {
 public:
  explicit gguf_writer(std::uint32_t version = 3) {
    bytes_ += "GGUF";
    put(version);
  }

  // Header counts; call once, right after construction.
  gguf_writer& counts(std::uint64_t tensors, std::uint64_t kvs) {
    put(tensors);
    put(kvs);
    return *this;
  }
  gguf_writer& kv_string(std::string_view key, std::string_view value) {
    str(key);
    put<std::uint32_t>(8);
    str(value);
    return *this;
  }
  gguf_writer& kv_u32(std::string_view key, std::uint32_t value) {
    str(key);
    put<std::uint32_t>(4);
    put(value);
    return *this;
  }
  gguf_writer& kv_u64(std::string_view key, std::uint64_t value) {
    str(key);
    put<std::uint32_t>(10);
    put(value);
    return *this;
  }
  gguf_writer& kv_f32(std::string_view key, float value) {
    str(key);
    put<std::uint32_t>(6);
    put(value);
    return *this;
  }
  // An array of strings (like tokenizer.ggml.tokens).
  gguf_writer& kv_string_array(std::string_view key, const std::vector<std::string>& values) {
    str(key);
    put<std::uint32_t>(9);
    put<std::uint32_t>(8);
    put<std::uint64_t>(values.size());
    for (const auto& v : values) str(v);
    return *this;
  }
  // An array of n int32 (like tokenizer.ggml.token_type).
  gguf_writer& kv_i32_array(std::string_view key, std::uint64_t n) {
    str(key);
    put<std::uint32_t>(9);
    put<std::uint32_t>(5);
    put<std::uint64_t>(n);
    for (std::uint64_t i = 0; i < n; ++i) put(static_cast<std::int32_t>(i));
    return *this;
  }
  gguf_writer& tensor(std::string_view name, const std::vector<std::uint64_t>& dims, std::uint64_t offset = 0) {
    str(name);
    put<std::uint32_t>(static_cast<std::uint32_t>(dims.size()));
    for (auto d : dims) put(d);
    put<std::uint32_t>(0);
    put(offset);
    return *this;
  }
  template <class T>
  gguf_writer& put(T value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
    return *this;
  }
  gguf_writer& raw(std::string_view data) {
    bytes_ += data;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void str(std::string_view s) {
    put<std::uint64_t>(s.size());
    bytes_ += s;
  }
  std::string bytes_;
};

// A small but complete llama-style file: 7 key/values, 2 tensors.
inline std::string sample_llama_file() {
  gguf_writer w;
  w.counts(2, 8)
      .kv_string("general.architecture", "llama")
      .kv_string("general.name", "Tiny Llama")
      .kv_u32("general.file_type", 15)
      .kv_u32("llama.context_length", 4096)
      .kv_u32("llama.embedding_length", 2048)
      .kv_u32("llama.block_count", 22)
      .kv_u32("llama.attention.head_count", 32)
      .kv_string_array("tokenizer.ggml.tokens", {"<s>", "</s>", "hello"})
      .tensor("token_embd.weight", {2048, 32000})
      .tensor("output_norm.weight", {2048});
  return w.bytes();
}

}  // namespace studio::gguf::test
