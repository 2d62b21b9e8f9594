// read_metadata: header, key/values and tensor table of a GGUF file.
// Every length is checked against the bytes left before anything is read or
// allocated; values the API does not need are skipped, never stored.
#include "studio/gguf/metadata.hpp"

#include "cursor.hpp"

#include <map>

namespace studio::gguf {
namespace {

enum value_type : std::uint32_t {
  t_uint8 = 0, t_int8, t_uint16, t_int16, t_uint32, t_int32, t_float32, t_bool, t_string, t_array,
  t_uint64, t_int64, t_float64,
};

constexpr std::uint64_t max_key_bytes = 64 * 1024;
constexpr std::uint64_t max_kept_string = 4 * 1024;
constexpr int max_array_depth = 3;
constexpr std::uint32_t max_dims = 8;

// Size of a scalar type; 0 for string/array/unknown.
std::uint64_t scalar_size(std::uint32_t type) {
  switch (type) {
    case t_uint8: case t_int8: case t_bool: return 1;
    case t_uint16: case t_int16: return 2;
    case t_uint32: case t_int32: case t_float32: return 4;
    case t_uint64: case t_int64: case t_float64: return 8;
    default: return 0;
  }
}

struct reader {
  cursor in;
  std::string error;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  // A string: u64 length + bytes. Kept in `out` when at most `keep` bytes, else skipped.
  bool string(std::string* out, std::uint64_t keep) {
    std::uint64_t len = 0;
    if (!in.read_le(len)) return fail("truncated string length");
    if (len > in.remaining()) return fail("string length " + std::to_string(len) + " runs past the end of the file");
    if (out != nullptr && len <= keep) {
      out->resize(static_cast<std::size_t>(len));
      return in.read(out->data(), out->size()) || fail("truncated string");
    }
    return in.skip(len);
  }

  bool skip_value(std::uint32_t type, int depth) {
    if (std::uint64_t size = scalar_size(type); size != 0) return in.skip(size) || fail("truncated value");
    if (type == t_string) return string(nullptr, 0);
    if (type != t_array) return fail("unknown value type " + std::to_string(type));
    if (depth >= max_array_depth) return fail("arrays nested too deeply");
    std::uint32_t elem = 0;
    std::uint64_t count = 0;
    if (!in.read_le(elem) || !in.read_le(count)) return fail("truncated array header");
    if (std::uint64_t size = scalar_size(elem); size != 0) {
      if (count > in.remaining() / size) return fail("array of " + std::to_string(count) + " elements runs past the end of the file");
      return in.skip(count * size);
    }
    if (elem != t_string && elem != t_array) return fail("unknown array element type " + std::to_string(elem));
    // Each string or array element takes at least 8 bytes.
    if (count > in.remaining() / 8) return fail("array of " + std::to_string(count) + " elements runs past the end of the file");
    for (std::uint64_t i = 0; i < count; ++i) {
      if (!skip_value(elem, depth + 1)) return false;
    }
    return true;
  }

  // An integer of any integer type, as u64; nullopt (value consumed) for negatives or other types.
  bool integer(std::uint32_t type, std::optional<std::uint64_t>& out) {
    auto take = [&](auto v) {
      if (!in.read_le(v)) return fail("truncated value");
      if constexpr (std::is_signed_v<decltype(v)>) {
        if (v < 0) return true;
      }
      out = static_cast<std::uint64_t>(v);
      return true;
    };
    switch (type) {
      case t_uint8: return take(std::uint8_t{});
      case t_int8: return take(std::int8_t{});
      case t_uint16: return take(std::uint16_t{});
      case t_int16: return take(std::int16_t{});
      case t_uint32: return take(std::uint32_t{});
      case t_int32: return take(std::int32_t{});
      case t_uint64: return take(std::uint64_t{});
      case t_int64: return take(std::int64_t{});
      default: return skip_value(type, 0);
    }
  }
};

// Keys "<arch>.<suffix>" whose arch is not known until general.architecture is read.
constexpr std::string_view arch_suffixes[] = {".context_length", ".embedding_length", ".block_count",
                                              ".attention.head_count", ".attention.head_count_kv"};

}  // namespace

read_result read_metadata(byte_source& source) {
  reader r{cursor(source), {}};
  auto error = [&]() -> read_result { return parse_error{r.error, r.in.position()}; };
  metadata md;

  char magic[4];
  if (!r.in.read(magic, 4)) return parse_error{"not a GGUF file: shorter than its header", 0};
  if (std::string_view(magic, 4) != "GGUF") return parse_error{"not a GGUF file: bad magic", 0};
  if (!r.in.read_le(md.version)) return parse_error{"truncated header", r.in.position()};
  if (md.version != 2 && md.version != 3) {
    return parse_error{"unsupported GGUF version " + std::to_string(md.version) + " (2 and 3 are supported)", 4};
  }
  if (!r.in.read_le(md.tensor_count) || !r.in.read_le(md.kv_count)) return parse_error{"truncated header", r.in.position()};
  // Minimum sizes: a key/value takes 13 bytes, a tensor entry 24.
  if (md.kv_count > r.in.remaining() / 13) return parse_error{"key/value count exceeds the file size", 16};
  if (md.tensor_count > r.in.remaining() / 24) return parse_error{"tensor count exceeds the file size", 8};

  std::map<std::string, std::uint64_t, std::less<>> arch_values;  // at most 64 short keys
  for (std::uint64_t i = 0; i < md.kv_count; ++i) {
    std::string key;
    std::uint64_t key_len = 0;
    if (!r.in.read_le(key_len)) return parse_error{"truncated key", r.in.position()};
    if (key_len > max_key_bytes || key_len > r.in.remaining()) return parse_error{"key length out of bounds", r.in.position()};
    key.resize(static_cast<std::size_t>(key_len));
    if (!r.in.read(key.data(), key.size())) return parse_error{"truncated key", r.in.position()};
    std::uint32_t type = 0;
    if (!r.in.read_le(type)) return parse_error{"truncated value type of " + key, r.in.position()};

    bool ok = true;
    if (key == "general.architecture" && type == t_string) {
      ok = r.string(&md.architecture, max_kept_string);
    } else if (key == "general.name" && type == t_string) {
      md.name.emplace();
      ok = r.string(&*md.name, max_kept_string);
    } else if (key == "general.size_label" && type == t_string) {
      md.size_label.emplace();
      ok = r.string(&*md.size_label, max_kept_string);
    } else if (key == "general.file_type") {
      std::optional<std::uint64_t> v;
      ok = r.integer(type, v);
      if (v && *v <= 0xffffffffu) md.file_type = static_cast<std::uint32_t>(*v);
    } else {
      bool wanted = false;
      for (auto suffix : arch_suffixes) {
        if (key.size() > suffix.size() && key.size() < 128 && key.ends_with(suffix) &&
            key.find('.') == key.size() - suffix.size()) {
          wanted = true;
        }
      }
      if (wanted) {
        std::optional<std::uint64_t> v;
        ok = r.integer(type, v);
        if (v && arch_values.size() < 64) arch_values[key] = *v;
      } else {
        ok = r.skip_value(type, 0);
      }
    }
    if (!ok) {
      r.error += " (key " + key + ")";
      return error();
    }
  }
  if (md.architecture.empty()) return parse_error{"missing general.architecture", r.in.position()};

  auto pick = [&](std::string_view suffix) -> std::optional<std::uint64_t> {
    auto it = arch_values.find(md.architecture + std::string(suffix));
    if (it == arch_values.end()) return std::nullopt;
    return it->second;
  };
  md.context_length = pick(".context_length");
  md.embedding_length = pick(".embedding_length");
  md.block_count = pick(".block_count");
  md.head_count = pick(".attention.head_count");
  md.head_count_kv = pick(".attention.head_count_kv");

  // Tensor table: names, shapes, types, offsets (no data).
  std::uint64_t parameters = 0;
  bool overflow = false;
  for (std::uint64_t i = 0; i < md.tensor_count; ++i) {
    if (!r.string(nullptr, 0)) return parse_error{"tensor table: " + r.error, r.in.position()};
    std::uint32_t dims = 0;
    if (!r.in.read_le(dims)) return parse_error{"tensor table truncated", r.in.position()};
    if (dims == 0 || dims > max_dims) return parse_error{"tensor with " + std::to_string(dims) + " dimensions", r.in.position()};
    std::uint64_t elements = 1;
    for (std::uint32_t d = 0; d < dims; ++d) {
      std::uint64_t n = 0;
      if (!r.in.read_le(n)) return parse_error{"tensor table truncated", r.in.position()};
      if (n != 0 && elements > UINT64_MAX / n) overflow = true;
      elements *= n;
    }
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    if (!r.in.read_le(type) || !r.in.read_le(offset)) return parse_error{"tensor table truncated", r.in.position()};
    if (offset > source.size()) return parse_error{"tensor data offset past the end of the file", r.in.position()};
    if (parameters > UINT64_MAX - elements) overflow = true;
    parameters += elements;
  }
  if (!overflow && md.tensor_count > 0) md.parameter_count = parameters;
  return md;
}

read_result read_metadata_file(const std::filesystem::path& path) {
  try {
    file_source source(path);
    return read_metadata(source);
  } catch (const std::system_error& e) {
    return parse_error{e.what(), 0};
  }
}

std::optional<std::string> file_type_name(std::uint32_t file_type) {
  static const std::map<std::uint32_t, std::string_view> names{
      {0, "F32"},      {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
      {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
      {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"},  {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"},
      {21, "Q2_K_S"},  {22, "IQ3_XS"},  {23, "IQ3_XXS"}, {24, "IQ1_S"},  {25, "IQ4_NL"}, {26, "IQ3_S"},
      {27, "IQ3_M"},   {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
      {36, "TQ1_0"},   {37, "TQ2_0"}};
  auto it = names.find(file_type);
  if (it == names.end()) return std::nullopt;
  return std::string(it->second);
}

}  // namespace studio::gguf
