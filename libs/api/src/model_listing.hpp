// The model list of GET /api/admin/llm/models: catalog entries with live status, and the
// mapping from a catalog entry to a download spec and a path on disk.
#pragma once

#include "studio/catalog/catalog.hpp"
#include "studio/download/download_queue.hpp"

#include <boost/json/object.hpp>

#include <filesystem>

namespace studio::api {

// <models-dir>/<dest>/<file> for `file` (the model itself or one of its companions).
std::filesystem::path model_path(const std::filesystem::path& models_dir, const catalog::model_entry& m,
                                 const std::string& file);

// What to download for `file` of entry `m`.
download::download_spec spec_for(const std::filesystem::path& models_dir, const catalog::model_entry& m,
                                 const std::string& file);

// The seed's listing: {version, date, categories[{id, name, models[...]}], summary}. One stat per file.
boost::json::object list_models(const catalog::catalog& cat, const std::filesystem::path& models_dir,
                                const download::download_queue& queue);

// A job snapshot as the API shows it.
boost::json::object download_json(const download::job_view& v);

}  // namespace studio::api
