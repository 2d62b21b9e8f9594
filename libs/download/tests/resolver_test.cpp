// interpret_resolve: the Hugging Face resolve answers, and where the token may go.
#include "studio/download/resolver.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace studio::download;

namespace {

header_lookup headers(std::map<std::string, std::string> h) {
  return [h](std::string_view name) -> std::optional<std::string> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return it->second;
  };
}

const std::string endpoint = "https://hub.example:8443";
const std::string url = endpoint + "/o/r/resolve/main/m.gguf";
const std::string sha(64, 'e');

}  // namespace

TEST_CASE("a 302 to the CDN carries the linked etag and size; the token stays home") {
  auto step = interpret_resolve(302,
                                headers({{"location", "https://cdn.example/xet/abc?sig=1"},
                                         {"x-linked-etag", "\"" + sha + "\""},
                                         {"x-linked-size", "123456"},
                                         {"x-repo-commit", "deadbeef"},
                                         {"etag", "\"not-the-file\""},
                                         {"content-length", "1"}}),
                                url, endpoint, "o/r", "m.gguf", true);
  auto* r = std::get_if<resolved_file>(&step);
  REQUIRE(r);
  CHECK(r->url == "https://cdn.example/xet/abc?sig=1");
  CHECK_FALSE(r->send_token);
  CHECK(r->size == 123456);
  CHECK(r->sha256 == sha);
  CHECK(r->commit == "deadbeef");
}

TEST_CASE("a small file answers 200 on the hub") {
  auto step = interpret_resolve(200, headers({{"content-length", "42"}, {"etag", "\"0123abcd\""}}), url, endpoint,
                                "o/r", "config.json", true);
  auto* r = std::get_if<resolved_file>(&step);
  REQUIRE(r);
  CHECK(r->url == url);
  CHECK(r->send_token);
  CHECK(r->size == 42);
  CHECK_FALSE(r->sha256);
}

TEST_CASE("a relative 307 is resolved again on the hub") {
  auto step = interpret_resolve(307, headers({{"location", "/new/r/resolve/main/m.gguf"}}), url, endpoint, "o/r",
                                "m.gguf", false);
  auto* r = std::get_if<resolve_redirect>(&step);
  REQUIRE(r);
  CHECK(r->url == endpoint + "/new/r/resolve/main/m.gguf");
}

TEST_CASE("errors map X-Error-Code to messages") {
  auto step = interpret_resolve(401, headers({{"x-error-code", "GatedRepo"}}), url, endpoint, "o/r", "m.gguf", false);
  REQUIRE(std::holds_alternative<failure>(step));
  CHECK(std::get<failure>(step).message.find("HF_TOKEN") != std::string::npos);
  step = interpret_resolve(404, headers({{"x-error-code", "EntryNotFound"}}), url, endpoint, "o/r", "x.gguf", false);
  CHECK(std::get<failure>(step).message == "file x.gguf not found in o/r");
}

TEST_CASE("origins and resolve URLs") {
  CHECK(same_origin("https://a:443/x", "https://A/y"));
  CHECK_FALSE(same_origin("https://localhost:8443/x", "https://127.0.0.1:8443/x"));
  CHECK_FALSE(same_origin("http://a/x", "https://a/x"));
  CHECK(resolve_url("https://h", "o/r", "main", "dir/m q.gguf") == "https://h/o/r/resolve/main/dir/m%20q.gguf");
}

TEST_CASE("a source:url HEAD: size, resume identity, ranges; errors name the URL without its query") {
  const std::string file_url = "https://files.example/m.gguf";
  auto ok = interpret_url_probe(
      200, headers({{"content-length", "4096"}, {"etag", "\"5f-abc\""}, {"accept-ranges", "bytes"}}), file_url);
  auto* r = std::get_if<resolved_file>(&ok);
  REQUIRE(r);
  CHECK(r->url == file_url);
  CHECK_FALSE(r->send_token);
  CHECK(r->size == 4096);
  CHECK(r->etag == "5f-abc");
  CHECK(r->accepts_ranges);
  CHECK_FALSE(r->sha256);

  auto weak = interpret_url_probe(200, headers({{"etag", "W/\"x\""}, {"last-modified", "Mon, 23 Nov 2026"}}), file_url);
  REQUIRE(std::get_if<resolved_file>(&weak));
  CHECK(std::get<resolved_file>(weak).etag == "last-modified Mon, 23 Nov 2026");  // a weak etag is no byte identity
  CHECK_FALSE(std::get<resolved_file>(weak).accepts_ranges);
  CHECK(std::get<resolved_file>(weak).size == 0);

  auto no_head = interpret_url_probe(405, headers({}), file_url);
  REQUIRE(std::get_if<resolved_file>(&no_head));
  CHECK(std::get<resolved_file>(no_head).size == 0);

  auto missing = interpret_url_probe(404, headers({}), file_url + "?sig=secret#x");
  REQUIRE(std::get_if<failure>(&missing));
  CHECK_FALSE(std::get<failure>(missing).transient);
  CHECK(std::get<failure>(missing).message == file_url + " not found (HTTP 404)");
  auto denied = interpret_url_probe(403, headers({}), file_url);
  CHECK(std::get<failure>(denied).message.find("access denied") == 0);
  auto busy = interpret_url_probe(503, headers({{"retry-after", "3"}}), file_url);
  CHECK(std::get<failure>(busy).transient);
  CHECK(std::get<failure>(busy).retry_after == std::chrono::seconds(3));
}
