// The models endpoints over a real catalog store and download queue, without network:
// listing status from disk, 400 for traversal names, 404, delete, and 409 while in use.
#include "studio/api/model_downloads.hpp"
#include "studio/api/routes.hpp"
#include "studio/catalog/catalog_store.hpp"
#include "studio/download/download_queue.hpp"
#include "studio/http/dispatch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <random>

using namespace studio;
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

struct fixture {
  fs::path dir = fs::temp_directory_path() / ("models-routes-" + std::to_string(std::random_device{}()));
  gateway_config config;
  net::io_context ioc;
  std::unique_ptr<catalog::catalog_store> cat;
  std::unique_ptr<download::download_queue> queue;
  std::unique_ptr<api::services> svc;
  http::router routes;

  fixture() {
    fs::create_directories(dir / "models" / "embedding");
    std::ofstream(dir / "catalog.json")
        << R"({"version":2,"categories":[{"id":"c","name":"C","models":[)"
           R"({"name":"A","file":"a.gguf","hf_repo":"o/r"},{"name":"E","file":"e.gguf","dest":"embedding","hf_repo":"o/r"}]}]})";
    config.studio_dir = dir;
    config.models_dir = dir / "models";
    config.catalog = dir / "catalog.json";
    cat = std::make_unique<catalog::catalog_store>(config.catalog, dir);
    queue = std::make_unique<download::download_queue>(ioc.get_executor(), api::download_options(config));
    svc = std::make_unique<api::services>(config);
    svc->catalog = cat.get();
    svc->downloads = queue.get();
    api::add_admin_models_routes(routes, *svc);
  }
  ~fixture() { fs::remove_all(dir); }

  http::response call(boost::beast::http::verb method, const std::string& target) {
    http::authenticator auth({"k"}, {});
    http::request req{method, target, 11};
    req.set("X-API-Key", "k");
    http::request_context ctx(req, nullptr);
    auto fut = net::co_spawn(ioc, http::dispatch(routes, auth, ctx), net::use_future);
    ioc.restart();
    ioc.run();
    return fut.get();
  }
};

using boost::beast::http::verb;

}  // namespace

TEST_CASE("listing reports files on disk under their dest, with a summary") {
  fixture f;
  std::ofstream(f.config.models_dir / "embedding" / "e.gguf") << "12345";
  std::ofstream(f.config.models_dir / "a.gguf.part") << "partial";  // a .part is never present
  auto res = f.call(verb::get, "/api/admin/llm/models");
  REQUIRE(res.status == 200);
  auto body = boost::json::parse(res.body);
  const auto& models = body.at("categories").at(0).at("models").as_array();
  CHECK(models.at(0).at("status").as_string() == "missing");
  CHECK(models.at(1).at("status").as_string() == "present");
  CHECK(models.at(1).at("on_disk_bytes").as_int64() == 5);
  CHECK(body.at("summary").at("total").as_int64() == 2);
  CHECK(body.at("summary").at("present").as_int64() == 1);
}

TEST_CASE("delete: 400 for unsafe names, 404 when absent, 409 while in use, 200 otherwise") {
  fixture f;
  auto file = f.config.models_dir / "embedding" / "e.gguf";
  std::ofstream(file) << "x";
  CHECK(f.call(verb::delete_, "/api/admin/llm/models/..%2Fcatalog.json").status == 400);
  CHECK(fs::exists(f.dir / "catalog.json"));
  CHECK(f.call(verb::delete_, "/api/admin/llm/models/a.gguf").status == 404);
  fs::path asked;
  f.svc->file_in_use = [&](const fs::path& p) {
    asked = p;
    return true;
  };
  auto busy = f.call(verb::delete_, "/api/admin/llm/models/e.gguf");
  CHECK(busy.status == 409);
  CHECK(busy.body.find("running llama-server") != std::string::npos);
  CHECK(asked == file);
  CHECK(fs::exists(file));
  f.svc->file_in_use = [](const fs::path&) { return false; };
  CHECK(f.call(verb::delete_, "/api/admin/llm/models/e.gguf").status == 200);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("queueing: 404 outside the catalog, 'present' without force") {
  fixture f;
  std::ofstream(f.config.models_dir / "a.gguf") << "x";
  CHECK(f.call(verb::post, "/api/admin/llm/models/download/zzz.gguf").status == 404);
  auto present = f.call(verb::post, "/api/admin/llm/models/download/a.gguf");
  CHECK(present.status == 200);
  CHECK(boost::json::parse(present.body).at("status").as_string() == "present");
}

TEST_CASE("download settings reach the queue's options") {
  gateway_config config;
  config.download_connections = 3;
  CHECK(api::download_options(config).connections == 3);
  CHECK(api::download_options(config).direct_io);
  config.download_buffered_io = true;
  CHECK_FALSE(api::download_options(config).direct_io);
}
