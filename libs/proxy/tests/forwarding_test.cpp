// Header rules and the upstream request: credentials and hop-by-hop headers
// never cross, end-to-end headers do, Host/Authorization/body are the proxy's.
#include "studio/proxy/forwarding.hpp"

#include <doctest/doctest.h>

using namespace studio;
using namespace studio::proxy;
namespace bhttp = boost::beast::http;

TEST_CASE("hop-by-hop headers are recognised case-insensitively") {
  CHECK(is_hop_by_hop("Connection"));
  CHECK(is_hop_by_hop("keep-alive"));
  CHECK(is_hop_by_hop("TRANSFER-ENCODING"));
  CHECK(is_hop_by_hop("Upgrade"));
  CHECK(is_hop_by_hop("TE"));
  CHECK_FALSE(is_hop_by_hop("Content-Type"));
  CHECK_FALSE(is_hop_by_hop("X-Request-Id"));
}

TEST_CASE("request headers: credentials, hop-by-hop and Connection-named headers stay behind") {
  CHECK_FALSE(forward_request_header("Authorization", ""));
  CHECK_FALSE(forward_request_header("x-api-key", ""));
  CHECK_FALSE(forward_request_header("Host", ""));
  CHECK_FALSE(forward_request_header("Content-Length", ""));
  CHECK_FALSE(forward_request_header("Expect", ""));
  CHECK_FALSE(forward_request_header("Proxy-Authorization", ""));
  CHECK_FALSE(forward_request_header("X-Secret-Hop", "keep-alive, x-secret-hop"));
  CHECK(forward_request_header("Content-Type", "keep-alive, x-secret-hop"));
  CHECK(forward_request_header("Accept", ""));
  CHECK(forward_request_header("X-Request-Id", ""));
}

TEST_CASE("response headers: the session's own and hop-by-hop ones are dropped") {
  CHECK_FALSE(forward_response_header("Content-Length", ""));
  CHECK_FALSE(forward_response_header("Content-Type", ""));
  CHECK_FALSE(forward_response_header("Server", ""));
  CHECK_FALSE(forward_response_header("Transfer-Encoding", ""));
  CHECK_FALSE(forward_response_header("X-Gone", "x-gone"));
  CHECK(forward_response_header("Access-Control-Allow-Origin", ""));
  CHECK(forward_response_header("X-Custom", "close"));
}

TEST_CASE("build_upstream_request replaces credentials, Host and body") {
  http::request client{bhttp::verb::post, "/v1/chat/completions?x=1", 11};
  client.set(bhttp::field::host, "gateway:8000");
  client.set(bhttp::field::authorization, "Bearer client-key");
  client.set("X-API-Key", "client-key");
  client.set(bhttp::field::connection, "keep-alive, X-Hop");
  client.set("X-Hop", "1");
  client.set(bhttp::field::content_type, "application/json");
  client.set("X-Request-Id", "abc");
  client.body() = R"({"a":1})";
  client.prepare_payload();

  upstream up{"127.0.0.1", 8080, "internal"};
  auto out = build_upstream_request(client, up, "/chat?y=2", std::optional<std::string>(R"({"b":22})"));
  CHECK(out.method() == bhttp::verb::post);
  CHECK(out.target() == "/chat?y=2");
  CHECK(out.version() == 11);
  CHECK(out[bhttp::field::host] == "127.0.0.1:8080");
  CHECK(out[bhttp::field::authorization] == "Bearer internal");
  CHECK(out.count("X-API-Key") == 0);
  CHECK(out.count("X-Hop") == 0);
  CHECK(out[bhttp::field::content_type] == "application/json");
  CHECK(out["X-Request-Id"] == "abc");
  CHECK(out.body() == R"({"b":22})");
  CHECK(out[bhttp::field::content_length] == "8");
  CHECK(out.keep_alive());

  SUBCASE("without an override the client's body goes, and no key means no Authorization") {
    auto plain = build_upstream_request(client, upstream{"localhost", 9, ""}, "/x", std::nullopt);
    CHECK(plain.body() == R"({"a":1})");
    CHECK(plain.count(bhttp::field::authorization) == 0);
  }
}

TEST_CASE("client_response_headers keeps only end-to-end headers") {
  bhttp::fields head;
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::transfer_encoding, "chunked");
  head.set(bhttp::field::server, "llama.cpp");
  head.set(bhttp::field::connection, "keep-alive");
  head.set("Access-Control-Allow-Origin", "*");
  auto out = client_response_headers(head);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == "Access-Control-Allow-Origin");
  CHECK(out[0].second == "*");
}
