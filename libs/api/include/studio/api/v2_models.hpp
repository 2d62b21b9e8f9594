// /api/v2/models building blocks (seed 003): the GGUF files under the models
// directory with their metadata. Pure apart from stat and the metadata cache.
#pragma once

#include "studio/gguf/metadata_cache.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace studio::api {

// The "metadata" object for a parse result: model_type, parameters{...}, or {"error"}.
boost::json::object gguf_metadata_json(const gguf::read_result& result);

// One available model: id (path relative to models_dir), size, modified, metadata.
boost::json::object available_model_json(const std::filesystem::path& models_dir,
                                         const std::filesystem::path& file, gguf::metadata_cache& cache);

// Every *.gguf file under models_dir (at most 4 levels deep, 10000 files), sorted.
// Also drops cache entries of files that are gone.
std::vector<std::filesystem::path> model_files(const std::filesystem::path& models_dir, gguf::metadata_cache& cache);

// available_model_json of every file in model_files(models_dir), sorted by id.
boost::json::array list_available_models(const std::filesystem::path& models_dir, gguf::metadata_cache& cache);

// A model id from a URL: a relative path without "..", backslashes or NULs.
bool valid_model_id(std::string_view id);

}  // namespace studio::api
