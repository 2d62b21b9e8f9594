// The OpenAPI document (docs/openapi.json, served at /swagger/doc.json) and the router
// agree: every registered {method, pattern} is documented and every documented
// operation is registered; path parameters are declared; public routes say so; and the
// instance options schema lists exactly the option table's keys.
#include "studio/api/openapi.hpp"
#include "studio/api/routes.hpp"
#include "studio/supervisor/llama_options.hpp"

#include <doctest/doctest.h>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

using namespace studio;
namespace json = boost::json;

namespace {

// "/a/{name}/proxy/{*rest}" -> "/a/{name}/proxy/{rest}": OpenAPI has no tail parameter.
std::string openapi_path(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex(R"(\{\*)"), "{");
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += "\n  " + i;
  return out;
}

const std::set<std::string> openapi_methods{"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

json::object document() {
  boost::system::error_code ec;
  auto doc = json::parse(openapi_document(), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(doc.is_object());
  return doc.as_object();
}

http::router all_routes(api::services& svc) {
  http::router routes;
  api::add_all_routes(routes, svc);
  return routes;
}

}  // namespace

TEST_CASE("every registered route is in the OpenAPI document, and every documented operation is registered") {
  gateway_config config;
  api::services svc(config);
  auto routes = all_routes(svc);
  auto doc = document();
  CHECK(doc.at("openapi").as_string().starts_with("3."));
  const auto& paths = doc.at("paths").as_object();

  std::set<std::pair<std::string, std::string>> registered;
  std::vector<std::string> undocumented;
  for (const auto& r : routes.routes()) {
    auto path = openapi_path(r.pattern);
    auto method = lower(std::string(boost::beast::http::to_string(r.method)));
    registered.emplace(path, method);
    const auto* item = paths.if_contains(path);
    if (item == nullptr || !item->as_object().contains(method)) undocumented.push_back(method + " " + path);
  }
  std::vector<std::string> unregistered;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, op] : item.as_object()) {
      if (!openapi_methods.contains(std::string(method))) continue;
      if (!registered.contains({std::string(path), std::string(method)}))
        unregistered.push_back(std::string(method) + " " + std::string(path));
    }
  }
  INFO((std::string("registered but not documented:") + join(undocumented)));
  INFO((std::string("documented but not registered:") + join(unregistered)));
  CHECK(undocumented.empty());
  CHECK(unregistered.empty());
  CHECK(registered.size() >= 40);
}

TEST_CASE("documented path parameters are declared, and the security of each operation matches its access") {
  gateway_config config;
  api::services svc(config);
  auto routes = all_routes(svc);
  auto doc = document();
  const auto& paths = doc.at("paths").as_object();
  for (const auto& r : routes.routes()) {
    auto path = openapi_path(r.pattern);
    auto method = lower(std::string(boost::beast::http::to_string(r.method)));
    const auto* item = paths.if_contains(path);
    if (item == nullptr || !item->as_object().contains(method)) continue;  // reported by the test above
    CAPTURE(path);
    CAPTURE(method);
    const auto& op = item->as_object().at(method).as_object();
    std::set<std::string> declared;
    if (const auto* params = op.if_contains("parameters")) {
      for (const auto& p : params->as_array()) {
        if (p.as_object().at("in") == "path")
          declared.insert(std::string(p.as_object().at("name").as_string()));
      }
    }
    std::set<std::string> in_path;
    std::regex param(R"(\{([^}]+)\})");
    for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it)
      in_path.insert((*it)[1].str());
    CHECK(declared == in_path);
    REQUIRE(op.contains("security"));
    bool is_public = op.at("security").as_array().empty();
    CHECK(is_public == (r.scope == http::access::open));
    CHECK(op.contains("responses"));
  }
}

TEST_CASE("the instance options schema lists exactly the option table's keys (plus auto_start)") {
  auto doc = document();
  const auto& props =
      doc.at("components").at("schemas").at("CreateInstanceOptions").at("properties").as_object();
  std::set<std::string> documented;
  for (const auto& [key, value] : props) documented.insert(std::string(key));
  std::set<std::string> table{"auto_start"};
  for (const auto& row : supervisor::option_table()) {
    if (row.owner != supervisor::option_owner::gateway) table.insert(std::string(row.key));
  }
  std::vector<std::string> missing, extra;
  std::set_difference(table.begin(), table.end(), documented.begin(), documented.end(),
                      std::back_inserter(missing));
  std::set_difference(documented.begin(), documented.end(), table.begin(), table.end(),
                      std::back_inserter(extra));
  INFO((std::string("options missing in the schema:") + join(missing)));
  INFO((std::string("schema properties that are no option:") + join(extra)));
  CHECK(missing.empty());
  CHECK(extra.empty());
}
