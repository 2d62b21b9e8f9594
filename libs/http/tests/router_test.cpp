// Router: literal vs parameter matching, 404 vs 405, decoding, tails.
#include "studio/http/router.hpp"

#include <doctest/doctest.h>

using namespace studio::http;
using boost::beast::http::verb;

namespace {
handler noop() {
  return [](request_context&) -> boost::asio::awaitable<response> { co_return response{}; };
}
}  // namespace

TEST_CASE("router matches literals, parameters and tails") {
  router r;
  r.add(verb::get, "/api/v1/instances", access::management, noop());
  r.add(verb::get, "/api/v1/instances/{name}", access::management, noop());
  r.add(verb::post, "/api/v1/instances/{name}", access::management, noop());
  r.add(verb::post, "/api/v1/instances/{name}/start", access::management, noop());
  r.add(verb::get, "/api/v1/instances/{name}/proxy/{*rest}", access::management, noop());

  auto m = r.match(verb::get, "/api/v1/instances");
  CHECK(m.result == route_match::kind::found);
  CHECK(m.matched->pattern == "/api/v1/instances");

  m = r.match(verb::get, "/api/v1/instances/llama%2D7b");
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.matched->pattern == "/api/v1/instances/{name}");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0].first == "name");
  CHECK(m.params[0].second == "llama-7b");

  m = r.match(verb::get, "/api/v1/instances/x/proxy/v1/chat/completions");
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.params[1].second == "v1/chat/completions");

  m = r.match(verb::get, "/api/v1/instances/x/proxy/");
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.params[1].second == "");
}

TEST_CASE("router answers 404 and 405 with Allow") {
  router r;
  r.add(verb::get, "/a/{x}", access::open, noop());
  r.add(verb::post, "/a/{x}", access::open, noop());
  CHECK(r.match(verb::get, "/b").result == route_match::kind::not_found);
  CHECK(r.match(verb::get, "/a").result == route_match::kind::not_found);
  CHECK(r.match(verb::get, "/a/x/y").result == route_match::kind::not_found);
  CHECK(r.match(verb::get, "/a/").result == route_match::kind::not_found);
  auto m = r.match(verb::delete_, "/a/1");
  CHECK(m.result == route_match::kind::method_not_allowed);
  CHECK(m.allow == "GET, POST");
}

TEST_CASE("a literal segment beats a parameter") {
  router r;
  r.add(verb::get, "/m/{id}", access::open, noop());
  r.add(verb::get, "/m/special", access::open, noop());
  CHECK(r.match(verb::get, "/m/special").matched->pattern == "/m/special");
  CHECK(r.match(verb::get, "/m/other").matched->pattern == "/m/{id}");
}

TEST_CASE(
    "routes indexed by their leading literals still match as one list: most literals, then the earlier "
    "route") {
  const auto pattern_for = [](const router& r, std::string_view path) {
    auto m = r.match(verb::get, path);
    return m.matched ? m.matched->pattern : std::string("(none)");
  };
  router r;
  r.add(verb::get, "/", access::open, noop());
  r.add(verb::get, "/a/{y}", access::open, noop());
  r.add(verb::get, "/{x}/b", access::open, noop());
  r.add(verb::get, "/a/b/c", access::open, noop());
  r.add(verb::get, "/a/{*rest}", access::open, noop());
  r.add(verb::post, "/{x}/{y}/{z}", access::open, noop());
  CHECK(pattern_for(r, "/") == "/");
  CHECK(pattern_for(r, "/a/b") == "/a/{y}");  // one literal each: the earlier one
  CHECK(pattern_for(r, "/z/b") == "/{x}/b");
  CHECK(pattern_for(r, "/a/b/c") == "/a/b/c");
  CHECK(pattern_for(r, "/a/b/d") == "/a/{*rest}");
  CHECK(pattern_for(r, "/a") == "/a/{*rest}");
  CHECK(pattern_for(r, "/q/r") == "(none)");
  CHECK(r.match(verb::get, "/q/r/s").allow == "POST");
  router reversed;
  reversed.add(verb::get, "/{x}/b", access::open, noop());
  reversed.add(verb::get, "/a/{y}", access::open, noop());
  CHECK(pattern_for(reversed, "/a/b") == "/{x}/b");
}

TEST_CASE("an all-literal path: its route for the method, else the others decide") {
  router r;
  r.add(verb::get, "/v1/models", access::inference, noop());
  r.add(verb::post, "/v1/{kind}", access::inference, noop());
  r.add(verb::post, "/v1/chat/completions", access::inference, noop());

  auto m = r.match(verb::get, "/v1/models");  // the exact table
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.matched->pattern == "/v1/models");
  CHECK(m.params.empty());

  m = r.match(verb::post, "/v1/models");  // no literal route for POST: the parameter one
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.matched->pattern == "/v1/{kind}");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0].second == "models");

  m = r.match(verb::put, "/v1/models");  // neither: 405 naming both
  CHECK(m.result == route_match::kind::method_not_allowed);
  CHECK(m.allow == "GET, POST");

  m = r.match(verb::post, "/v1/chat/completions");
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.matched->pattern == "/v1/chat/completions");
  CHECK(r.match(verb::get, "/v1/models/").result == route_match::kind::not_found);  // exact means exact
}

TEST_CASE("malformed escapes and NUL bytes are a bad path") {
  router r;
  r.add(verb::get, "/f/{name}", access::open, noop());
  CHECK(r.match(verb::get, "/f/%zz").result == route_match::kind::bad_path);
  CHECK(r.match(verb::get, "/f/%2").result == route_match::kind::bad_path);
  CHECK(r.match(verb::get, "/f/a%00b").result == route_match::kind::bad_path);
  auto m = r.match(verb::get, "/f/..%2F..%2Fetc%2Fpasswd");
  REQUIRE(m.result == route_match::kind::found);
  CHECK(m.params[0].second == "../../etc/passwd");  // decoded once; handlers validate names
}

TEST_CASE("percent_decode") {
  CHECK(percent_decode("a%20b") == std::optional<std::string>("a b"));
  CHECK(percent_decode("%41%4a%4A") == std::optional<std::string>("AJJ"));
  CHECK_FALSE(percent_decode("%").has_value());
  CHECK_FALSE(percent_decode("%4").has_value());
  CHECK_FALSE(percent_decode("%g1").has_value());
}

TEST_CASE("bad patterns are rejected") {
  router r;
  CHECK_THROWS_AS(r.add(verb::get, "nope", access::open, noop()), std::invalid_argument);
  CHECK_THROWS_AS(r.add(verb::get, "/a/{*t}/b", access::open, noop()), std::invalid_argument);
  r.add(verb::get, "/dup", access::open, noop());
  CHECK_THROWS_AS(r.add(verb::get, "/dup", access::open, noop()), std::invalid_argument);
}
