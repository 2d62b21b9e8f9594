// to_json_text: same JSON as Boost's serializer, doubles written plainly.
#include "studio/http/json_text.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <limits>

using studio::http::to_json_text;

TEST_CASE("doubles are plain, everything else as Boost writes it") {
  boost::json::value v = {{"temp", 0.7}, {"top_p", 0.95}, {"n", 42}, {"big", 1e21}, {"s", "a\"b\n"},
                          {"list", {1.5, true, nullptr}}, {"nested", {{"x", -0.125}}}};
  auto text = to_json_text(v);
  CHECK(text.find("\"temp\":0.7") != std::string::npos);
  CHECK(text.find("\"top_p\":0.95") != std::string::npos);
  CHECK(text.find("\"n\":42") != std::string::npos);
  CHECK(text.find("\"s\":\"a\\\"b\\n\"") != std::string::npos);
  CHECK(text.find("\"x\":-0.125") != std::string::npos);
  CHECK(boost::json::parse(text) == v);
  CHECK(to_json_text(boost::json::value(std::numeric_limits<double>::quiet_NaN())) == "null");
}
