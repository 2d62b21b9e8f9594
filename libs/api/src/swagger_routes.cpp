// GET /swagger/doc.json (the OpenAPI document compiled into the binary), GET /swagger/
// (the Swagger UI page) and GET /swagger/{file} (its assets, from the npm package
// swagger-ui-dist installed at build time into <bin>/../share/studio-gateway/swagger-ui,
// or --swagger-ui-dir). Public: documentation holds no secret (llamactl serves it so too).
// Asset files are read on svc.file_work, never on the I/O thread.
#include "studio/api/openapi.hpp"
#include "studio/api/routes.hpp"
#include "studio/http/error_shape.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <fstream>
#include <iterator>
#include <optional>

namespace studio::api {
namespace net = boost::asio;
namespace fs = std::filesystem;
using boost::beast::http::verb;

namespace {

// The page: Swagger UI's standalone layout pointed at ./doc.json.
constexpr std::string_view index_html = R"(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>studio-gateway API</title>
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
  <style>body { margin: 0; }</style>
</head>
<body>
  <div id="swagger-ui"><p style="font-family: sans-serif; margin: 2em">Loading the API documentation&hellip;
    If this stays, the Swagger UI assets are missing: the raw document is at <a href="./doc.json">doc.json</a>.</p></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: "./doc.json",
        dom_id: "#swagger-ui",
        deepLinking: true,
        persistAuthorization: true,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout"
      });
    };
  </script>
</body>
</html>
)";

struct asset {
  std::string_view name;
  std::string_view content_type;
};
constexpr std::array assets{
    asset{"swagger-ui.css", "text/css; charset=utf-8"},
    asset{"swagger-ui-bundle.js", "application/javascript; charset=utf-8"},
    asset{"swagger-ui-standalone-preset.js", "application/javascript; charset=utf-8"},
    asset{"favicon-32x32.png", "image/png"},
    asset{"favicon-16x16.png", "image/png"},
};

fs::path default_assets_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / "share" / "studio-gateway" / "swagger-ui";
}

// The file's bytes; nullopt when it cannot be read. Blocking: runs on the file pool.
net::awaitable<std::optional<std::string>> read_asset(fs::path path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) co_return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (in.bad()) co_return std::nullopt;
  co_return bytes;
}

net::awaitable<http::response> serve_asset(services& svc, fs::path dir, http::request_context& ctx) {
  auto name = ctx.param("file").value_or("");
  const asset* found = nullptr;
  for (const auto& a : assets) {
    if (a.name == name) found = &a;
  }
  if (found == nullptr) co_return http::error_response(ctx.path(), 404, "no such file: " + name);
  std::optional<std::string> bytes;
  if (svc.file_work) {
    auto read_op = net::co_spawn(svc.file_work, read_asset(dir / name), net::use_awaitable);
    bytes = co_await std::move(read_op);
  } else {
    auto read_op = read_asset(dir / name);
    bytes = co_await std::move(read_op);
  }
  if (!bytes) {
    co_return http::error_response(ctx.path(), 404,
                                   "Swagger UI asset " + name + " is missing in " + dir.string() +
                                       " (built without npm? see --swagger-ui-dir)");
  }
  http::response r{200, std::string(found->content_type), std::move(*bytes), {}};
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  co_return r;
}

}  // namespace

void add_swagger_routes(http::router& routes, services& svc) {
  fs::path dir = svc.config.swagger_ui_dir.value_or(default_assets_dir());
  routes.add(verb::get, "/swagger", http::access::open,
             [](http::request_context&) -> net::awaitable<http::response> {
               http::response r{301, "text/plain", "", {}};
               r.headers.emplace_back("Location", "/swagger/");
               co_return r;
             });
  routes.add(verb::get, "/swagger/", http::access::open,
             [](http::request_context&) -> net::awaitable<http::response> {
               co_return http::response{200, "text/html; charset=utf-8", std::string(index_html), {}};
             });
  routes.add(verb::get, "/swagger/doc.json", http::access::open,
             [](http::request_context&) -> net::awaitable<http::response> {
               co_return http::response{200, "application/json", std::string(openapi_document()), {}};
             });
  routes.add(verb::get, "/swagger/{file}", http::access::open,
             [&svc, dir](http::request_context& ctx) { return serve_asset(svc, dir, ctx); });
}

}  // namespace studio::api
