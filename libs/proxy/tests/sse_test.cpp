// The relay's final error event and the incremental SSE event counter.
#include "studio/proxy/sse.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace studio::proxy;

TEST_CASE("sse_error_event is one OpenAI-shaped data event") {
  auto e = sse_error_event(502, "upstream \"x\" died");
  REQUIRE(e.starts_with("data: "));
  REQUIRE(e.ends_with("\n\n"));
  auto v = boost::json::parse(e.substr(6, e.size() - 8));
  CHECK(v.at("error").at("code").as_int64() == 502);
  CHECK(v.at("error").at("message").as_string() == "upstream \"x\" died");
  CHECK(v.at("error").at("type").as_string() == "upstream_error");
}

TEST_CASE("sse_event_counter counts events across piece boundaries") {
  sse_event_counter c;
  c.feed("data: {\"a\":1}\n");
  CHECK(c.events() == 0);
  c.feed("\n");
  CHECK(c.events() == 1);
  c.feed("data: x\n\ndata: y\n\ndata: [DO");
  CHECK(c.events() == 3);
  c.feed("NE]\r\n\r\n");
  CHECK(c.events() == 4);
  c.feed("event: e\ndata: z\n");
  CHECK(c.events() == 4);
  c.feed("\n");
  CHECK(c.events() == 5);
}
