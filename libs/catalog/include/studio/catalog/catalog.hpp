// The model catalog: catalog.json parsed into typed entries, validated, and looked up. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace studio::catalog {

// An extra file downloaded with a model (e.g. a vision projector), from the same repo.
struct companion {
  std::string file;     // local file name, next to the model
  std::string hf_file;  // path inside the repo; defaults to `file`
  std::string url;      // where to fetch it when the model's source is "url" (required there)
  friend bool operator==(const companion&, const companion&) = default;
};

struct model_entry {
  std::string name;                    // display name
  std::string file;                    // local file name; the key of every endpoint
  std::string dest = ".";              // directory under the models dir
  double size_gb = 0;                  // approximate size for display
  std::string source = "huggingface";  // "huggingface" or "url"
  std::string hf_repo;                 // "owner/name" (huggingface)
  std::string hf_file;                 // path inside the repo; defaults to `file`
  std::string hf_revision = "main";
  std::string url;                     // source "url": the direct https URL
  std::optional<std::string> sha256;   // lower-case hex, 64 characters
  std::optional<std::string> quant;
  std::optional<std::string> params;
  std::optional<std::int64_t> context_default;
  std::vector<std::string> tags;
  std::vector<companion> companions;
};

struct category {
  std::string id;
  std::string name;
  std::vector<model_entry> models;
};

struct catalog {
  std::int64_t version = 0;
  std::string date;
  std::vector<category> categories;
};

// Why a catalog was rejected: names the entry (category and file) and the field.
struct catalog_error {
  std::string message;
};

// Parses and validates catalog JSON. Every `file` must be unique across the catalog.
std::variant<catalog, catalog_error> parse_catalog(std::string_view json);

// A name usable under the models dir: relative, non-empty, no "..", no backslash, no NUL,
// no control characters, no empty or "." path component inside it. `allow_dirs` permits '/'.
bool is_safe_relative_name(std::string_view name, bool allow_dirs);

// The entry whose `file` (or one of whose companions) equals `file`; nullptr when none.
const model_entry* find_model(const catalog& cat, std::string_view file);

// The number of entries in all categories.
std::size_t model_count(const catalog& cat);

}  // namespace studio::catalog
