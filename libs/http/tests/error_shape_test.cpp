// Error bodies follow each prefix's seed.
#include "studio/http/error_shape.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

using namespace studio::http;

TEST_CASE("management prefixes get {\"error\": message}") {
  for (auto path : {"/api/v1/instances", "/api/admin/llm/models", "/api/v2/models", "/nowhere"}) {
    auto v = boost::json::parse(error_body(path, 404, "nope"));
    CHECK(v.at("error").as_string() == "nope");
  }
}

TEST_CASE("/v1 gets the OpenAI shape") {
  auto v = boost::json::parse(error_body("/v1/chat/completions", 401, "bad key"));
  const auto& e = v.at("error").as_object();
  CHECK(e.at("code").as_int64() == 401);
  CHECK(e.at("message").as_string() == "bad key");
  CHECK(e.at("type").as_string() == "authentication_error");
  CHECK(error_style_for_path("/v1") == error_style::openai);
  CHECK(error_style_for_path("/v10") == error_style::simple);
  CHECK(error_style_for_path("/api/v1/x") == error_style::simple);
}

TEST_CASE("OpenAI error types") {
  CHECK(openai_error_type(400) == "invalid_request_error");
  CHECK(openai_error_type(403) == "permission_error");
  CHECK(openai_error_type(404) == "not_found_error");
  CHECK(openai_error_type(500) == "server_error");
  CHECK(openai_error_type(501) == "not_supported_error");
  CHECK(openai_error_type(503) == "unavailable_error");
}

TEST_CASE("messages are JSON-escaped") {
  auto v = boost::json::parse(error_body("/api/v1/x", 400, "bad \"quote\"\n"));
  CHECK(v.at("error").as_string() == "bad \"quote\"\n");
}
