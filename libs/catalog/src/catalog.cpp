// catalog.json -> typed catalog, with validation that names the entry and field at fault.
#include "studio/catalog/catalog.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <set>

namespace studio::catalog {
namespace json = boost::json;
namespace {

// Thrown inside the parser only; turned into catalog_error at the boundary.
struct invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class reader {
 public:
  reader(const json::object& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    throw invalid(where_ + ": field \"" + std::string(field) + "\" " + std::string(what));
  }
  const json::value* find(std::string_view field) const {
    auto it = obj_.find(field);
    return it == obj_.end() || it->value().is_null() ? nullptr : &it->value();
  }
  std::optional<std::string> text(std::string_view field, bool required) const {
    const auto* v = find(field);
    if (v == nullptr) {
      if (required) fail(field, "is missing");
      return std::nullopt;
    }
    if (!v->is_string()) fail(field, "must be a string");
    return std::string(v->as_string());
  }
  std::optional<double> number(std::string_view field) const {
    const auto* v = find(field);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) fail(field, "must be a number");
    return v->to_number<double>();
  }
  std::optional<std::int64_t> integer(std::string_view field) const {
    const auto* v = find(field);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() < (1ULL << 62)) return static_cast<std::int64_t>(v->as_uint64());
    fail(field, "must be an integer");
  }
  const json::array* array(std::string_view field, bool required) const {
    const auto* v = find(field);
    if (v == nullptr) {
      if (required) fail(field, "is missing");
      return nullptr;
    }
    if (!v->is_array()) fail(field, "must be an array");
    return &v->as_array();
  }
  const std::string& where() const { return where_; }

 private:
  const json::object& obj_;
  std::string where_;
};

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_repo_name(std::string_view repo) {
  auto slash = repo.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == repo.size()) return false;
  if (repo.find('/', slash + 1) != std::string_view::npos) return false;
  return is_safe_relative_name(repo, true);
}

companion parse_companion(const json::value& v, const reader& parent, std::size_t index) {
  std::string where = parent.where() + ", companion " + std::to_string(index);
  companion c;
  if (v.is_string()) {
    c.file = std::string(v.as_string());
  } else if (v.is_object()) {
    reader r(v.as_object(), where);
    c.file = *r.text("file", true);
    c.hf_file = r.text("hf_file", false).value_or("");
    c.url = r.text("url", false).value_or("");
    if (!c.url.empty() && !c.url.starts_with("https://") && !c.url.starts_with("http://"))
      r.fail("url", "must be an http(s) URL");
  } else {
    parent.fail("companions", "entries must be strings or objects");
  }
  if (c.hf_file.empty()) c.hf_file = c.file;
  if (!is_safe_relative_name(c.file, false))
    throw invalid(where + ": field \"file\" must be a plain file name (no '/', '\\', '..' or NUL)");
  if (!is_safe_relative_name(c.hf_file, true))
    throw invalid(where + ": field \"hf_file\" must be a relative path without '..'");
  return c;
}

model_entry parse_model(const json::value& v, const std::string& category_id, std::size_t index) {
  std::string where = "category \"" + category_id + "\", model " + std::to_string(index);
  if (!v.is_object()) throw invalid(where + ": must be an object");
  const auto& obj = v.as_object();
  if (auto it = obj.find("file"); it != obj.end() && it->value().is_string()) {
    std::string shown(it->value().as_string());
    for (auto& c : shown)
      if (static_cast<unsigned char>(c) < 0x20) c = '?';  // no NUL or newline in messages
    where += " (\"" + shown + "\")";
  }
  reader r(obj, where);
  model_entry m;
  m.name = *r.text("name", true);
  m.file = *r.text("file", true);
  if (!is_safe_relative_name(m.file, false))
    r.fail("file", "must be a plain file name (no '/', '\\', '..', NUL or absolute path)");
  m.dest = r.text("dest", false).value_or(".");
  if (m.dest != "." && !is_safe_relative_name(m.dest, true))
    r.fail("dest", "must be \".\" or a relative directory without '..', '\\' or NUL");
  m.size_gb = r.number("size_gb").value_or(0);
  if (m.size_gb < 0) r.fail("size_gb", "must not be negative");
  m.source = r.text("source", false).value_or("huggingface");
  if (m.source == "huggingface") {
    m.hf_repo = *r.text("hf_repo", true);
    if (!is_repo_name(m.hf_repo)) r.fail("hf_repo", "must be \"owner/name\"");
    m.hf_file = r.text("hf_file", false).value_or(m.file);
    if (!is_safe_relative_name(m.hf_file, true)) r.fail("hf_file", "must be a relative path without '..'");
    m.hf_revision = r.text("hf_revision", false).value_or("main");
    if (!is_safe_relative_name(m.hf_revision, true)) r.fail("hf_revision", "must be a branch, tag or commit");
  } else if (m.source == "url") {
    m.url = *r.text("url", true);
    if (!m.url.starts_with("https://") && !m.url.starts_with("http://")) r.fail("url", "must be an http(s) URL");
  } else {
    r.fail("source", "must be \"huggingface\" or \"url\"");
  }
  m.sha256 = r.text("sha256", false);
  if (m.sha256 && !is_hex64(*m.sha256)) r.fail("sha256", "must be 64 lower-case hex digits");
  m.quant = r.text("quant", false);
  m.params = r.text("params", false);
  m.context_default = r.integer("context_default");
  if (m.context_default && *m.context_default <= 0) r.fail("context_default", "must be positive");
  if (const auto* tags = r.array("tags", false)) {
    for (const auto& t : *tags) {
      if (!t.is_string()) r.fail("tags", "must be an array of strings");
      m.tags.emplace_back(t.as_string());
    }
  }
  if (const auto* comps = r.array("companions", false)) {
    for (std::size_t i = 0; i < comps->size(); ++i) {
      m.companions.push_back(parse_companion((*comps)[i], r, i));
      if (m.source == "url" && m.companions.back().url.empty())
        throw invalid(r.where() + ", companion " + std::to_string(i) +
                      ": field \"url\" is required when the model's source is \"url\"");
    }
  }
  return m;
}

catalog parse_root(const json::value& root) {
  if (!root.is_object()) throw invalid("catalog: must be a JSON object");
  reader r(root.as_object(), "catalog");
  catalog cat;
  cat.version = r.integer("version").value_or(0);
  cat.date = r.text("date", false).value_or("");
  const auto* cats = r.array("categories", true);
  std::set<std::string, std::less<>> files;
  for (std::size_t ci = 0; ci < cats->size(); ++ci) {
    const auto& cv = (*cats)[ci];
    if (!cv.is_object()) throw invalid("category " + std::to_string(ci) + ": must be an object");
    reader cr(cv.as_object(), "category " + std::to_string(ci));
    category c;
    c.id = *cr.text("id", true);
    c.name = cr.text("name", false).value_or(c.id);
    const auto* models = cr.array("models", true);
    for (std::size_t mi = 0; mi < models->size(); ++mi) {
      auto m = parse_model((*models)[mi], c.id, mi);
      auto claim = [&](const std::string& f) {
        if (!files.insert(f).second)
          throw invalid("category \"" + c.id + "\", model " + std::to_string(mi) + " (\"" + m.file +
                        "\"): field \"file\" \"" + f + "\" appears more than once in the catalog");
      };
      claim(m.file);
      for (const auto& comp : m.companions) claim(comp.file);
      c.models.push_back(std::move(m));
    }
    cat.categories.push_back(std::move(c));
  }
  return cat;
}

}  // namespace

std::variant<catalog, catalog_error> parse_catalog(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return catalog_error{"catalog: invalid JSON: " + ec.message()};
  try {
    return parse_root(root);
  } catch (const invalid& e) {
    return catalog_error{e.what()};
  }
}

bool is_safe_relative_name(std::string_view name, bool allow_dirs) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto slash = name.find('/', start);
    auto part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (unsigned char c : part)
      if (c < 0x20 || c == 0x7f || c == '\\') return false;
    if (slash == std::string_view::npos) break;
    if (!allow_dirs) return false;
    start = slash + 1;
  }
  return true;
}

const model_entry* find_model(const catalog& cat, std::string_view file) {
  for (const auto& c : cat.categories)
    for (const auto& m : c.models) {
      if (m.file == file) return &m;
      for (const auto& comp : m.companions)
        if (comp.file == file) return &m;
    }
  return nullptr;
}

std::size_t model_count(const catalog& cat) {
  std::size_t n = 0;
  for (const auto& c : cat.categories) n += c.models.size();
  return n;
}

}  // namespace studio::catalog
