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

TEST_CASE("sse_event_counter: any split of a stream gives the same count and the same last event") {
  const std::string stream =
      "data: {\"n\":1}\r\n\r\n: comment\n\ndata: {\"n\":2}\n\r\n\r\ndata: {\"usage\":{\"prompt_tokens\":3}}\n"
      "\ndata: [DONE]\n\n\r\r\n";
  sse_event_counter whole;
  whole.feed(stream);
  CHECK(whole.events() == 7);  // as before: a blank line right after an event ends an empty one
  CHECK(whole.last_event() == "data: {\"usage\":{\"prompt_tokens\":3}}\n\n");
  for (std::size_t size : {1u, 2u, 3u, 5u, 7u, 13u}) {
    CAPTURE(size);
    sse_event_counter pieces;
    for (std::size_t at = 0; at < stream.size(); at += size) pieces.feed(std::string_view(stream).substr(at, size));
    CHECK(pieces.events() == whole.events());
    CHECK(pieces.last_event() == whole.last_event());
  }
}
