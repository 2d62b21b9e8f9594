// Listing and describing GGUF model files for /api/v2/models.
#include "studio/api/v2_models.hpp"

#include "studio/api/time_format.hpp"

#include <algorithm>

namespace studio::api {
namespace fs = std::filesystem;

boost::json::object gguf_metadata_json(const gguf::read_result& result) {
  if (const auto* err = std::get_if<gguf::parse_error>(&result)) {
    return {{"error", err->message + " (at byte " + std::to_string(err->offset) + ")"}};
  }
  const auto& md = std::get<gguf::metadata>(result);
  auto opt = [](const std::optional<std::uint64_t>& v) -> boost::json::value {
    if (!v) return nullptr;
    return *v;
  };
  boost::json::object out{
      {"model_type", md.architecture},
      {"parameters",
       {{"context_length", opt(md.context_length)},
        {"embedding_length", opt(md.embedding_length)},
        {"block_count", opt(md.block_count)},
        {"head_count", opt(md.head_count)},
        {"head_count_kv", opt(md.head_count_kv)}}},
      {"gguf_version", md.version},
      {"parameter_count", opt(md.parameter_count)},
  };
  if (md.name) out["name"] = *md.name;
  if (md.size_label) out["size_label"] = *md.size_label;
  if (md.file_type) {
    out["file_type"] = *md.file_type;
    if (auto name = gguf::file_type_name(*md.file_type)) out["quantization"] = *name;
  }
  return out;
}

boost::json::object available_model_json(const fs::path& models_dir, const fs::path& file, gguf::metadata_cache& cache) {
  std::error_code size_ec, time_ec;
  auto size = fs::file_size(file, size_ec);
  auto mtime = fs::last_write_time(file, time_ec);
  // Lexical: `file` is models_dir/<id> (from the listing or a validated id), and
  // fs::relative would canonicalise both paths (a readlink and a stat per component);
  // it is only the fallback for an odd models dir spelling.
  auto id = file.lexically_relative(models_dir);
  if (id.empty() || *id.begin() == "..") {
    std::error_code ec;
    id = fs::relative(file, models_dir, ec);
  }
  boost::json::object out{{"id", id.generic_string()}};
  if (size_ec || time_ec) return out;
  out["size"] = size;
  out["modified"] = iso8601_utc(std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(mtime)));
  out["metadata"] = gguf_metadata_json(cache.get(file, size, mtime));
  return out;
}

std::vector<fs::path> model_files(const fs::path& models_dir, gguf::metadata_cache& cache) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(models_dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator() && files.size() < 10000; it.increment(ec)) {
    if (it.depth() >= 4) it.disable_recursion_pending();
    const auto& p = it->path();
    if (p.extension() == ".gguf" && it->is_regular_file(ec)) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  cache.retain_only(files);
  return files;
}

boost::json::array list_available_models(const fs::path& models_dir, gguf::metadata_cache& cache) {
  boost::json::array out;
  for (const auto& f : model_files(models_dir, cache)) out.push_back(available_model_json(models_dir, f, cache));
  return out;
}

bool valid_model_id(std::string_view id) {
  if (id.empty() || id.front() == '/' || id.find('\\') != std::string_view::npos ||
      id.find('\0') != std::string_view::npos) {
    return false;
  }
  for (const auto& part : fs::path(id)) {
    if (part == "..") return false;
  }
  return true;
}

}  // namespace studio::api
