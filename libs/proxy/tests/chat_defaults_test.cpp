// Saved config fills the sampling options a chat request leaves out.
#include "studio/proxy/chat_defaults.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace studio::proxy;
namespace json = boost::json;

TEST_CASE("request fields win; config fills the rest; temp maps to temperature") {
  auto body = json::parse(R"({"messages":[],"temperature":0.1,"max_tokens":5})").as_object();
  auto config =
      json::parse(R"({"temp":0.7,"top_p":0.9,"top_k":40,"repeat_penalty":1.1,"ctx_size":8192})").as_object();
  fill_sampling_defaults(body, config);
  CHECK(body.at("temperature").as_double() == 0.1);
  CHECK(body.at("top_p").as_double() == 0.9);
  CHECK(body.at("top_k").as_int64() == 40);
  CHECK(body.at("repeat_penalty").as_double() == 1.1);
  CHECK(body.at("max_tokens").as_int64() == 5);
  CHECK_FALSE(body.contains("ctx_size"));
  CHECK_FALSE(body.contains("temp"));
}

TEST_CASE("an empty config changes nothing") {
  auto body = json::parse(R"({"messages":[]})").as_object();
  fill_sampling_defaults(body, {});
  CHECK(body.size() == 1);
}
