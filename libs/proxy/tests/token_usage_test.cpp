// Token counts from usage/timings of final SSE events and whole bodies, and
// the SSE counter keeping the last event.
#include "studio/proxy/token_usage.hpp"
#include "studio/proxy/sse.hpp"

#include <doctest/doctest.h>

using namespace studio::proxy;

TEST_CASE("usage wins; timings fill what usage lacks") {
  // llama-server's final chat chunk: usage and timings both present.
  auto c = find_token_counts(
      R"(data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}],"usage":{"completion_tokens":4,)"
      R"("prompt_tokens":9,"total_tokens":13},"timings":{"prompt_n":7,"predicted_n":5}})"
      "\n\n");
  CHECK(c.prompt == 9u);
  CHECK(c.completion == 4u);

  // The native /completion final event: timings only.
  c = find_token_counts(
      R"({"content":"","stop":true,"timings":{"cache_n":0,"prompt_n":12,"prompt_ms":1.5,"predicted_n":3}})");
  CHECK(c.prompt == 12u);
  CHECK(c.completion == 3u);

  // Embeddings: usage without completion_tokens, no timings.
  c = find_token_counts(R"({"data":[],"usage":{"prompt_tokens":5,"total_tokens":5}})");
  CHECK(c.prompt == 5u);
  CHECK_FALSE(c.completion);
}

TEST_CASE("the last usage object counts; strings and nesting do not confuse the cut") {
  auto c = find_token_counts(
      R"({"choices":[{"message":{"content":"a \"usage\": {\"prompt_tokens\": 1} }{"}}],)"
      R"("usage":{"prompt_tokens":2,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":0}}})");
  CHECK(c.prompt == 2u);
  CHECK(c.completion == 3u);
}

TEST_CASE("nothing usable: empty counts, never a throw") {
  CHECK(find_token_counts("").empty());
  CHECK(find_token_counts("data: [DONE]\n\n").empty());
  CHECK(find_token_counts(R"({"usage":)").empty());
  CHECK(find_token_counts(R"({"usage":{"prompt_tokens":1)").empty());  // cut off
  CHECK(find_token_counts(R"({"usage":"none"})").empty());
  CHECK(find_token_counts(R"({"usage":{"prompt_tokens":-1,"completion_tokens":"x"}})").empty());
}

TEST_CASE("sse_event_counter keeps the last event before [DONE], across pieces") {
  sse_event_counter c;
  c.feed("data: {\"n\":1}\n\nda");
  CHECK(c.last_event() == "data: {\"n\":1}\n\n");
  c.feed("ta: {\"usage\":{\"prompt_tokens\":2,");
  c.feed("\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");
  CHECK(c.events() == 3);
  CHECK(c.last_event() == "data: {\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\n");
  CHECK(find_token_counts(c.last_event()).completion == 1u);
}

TEST_CASE("sse_event_counter does not keep an event longer than its bound") {
  sse_event_counter c(32);
  c.feed("data: short\n\n");
  c.feed("data: " + std::string(100, 'x') + "\n\n");
  CHECK(c.events() == 2);
  CHECK(c.last_event() == "data: short\n\n");
  c.feed("data: next\r\n\r\n");
  CHECK(c.last_event() == "data: next\r\n\r\n");
}

TEST_CASE("the key is found at either end of the text, and a cut-off key at the end is no key") {
  auto c = find_token_counts(R"("usage":{"prompt_tokens":7,"completion_tokens":8})");
  CHECK(c.prompt == 7u);
  CHECK(c.completion == 8u);
  c = find_token_counts(R"({"usage":{"prompt_tokens":4,"completion_tokens":5},"x":"\"usag)");
  CHECK(c.prompt == 4u);
  CHECK(c.completion == 5u);
  CHECK(find_token_counts(R"({"x":"y"} "usage")").empty());
}

TEST_CASE("only top-level integer members count, with any spacing") {
  // A nested member of the same name is not the count; spacing and other members are skipped.
  auto c = find_token_counts(
      "{\"usage\" : { \"details\": {\"prompt_tokens\": 99, \"list\": [1, {\"completion_tokens\": 98}]},\n"
      "  \"note\": \"a \\\"quoted\\\" }\",  \"prompt_tokens\" :\t6 , \"completion_tokens\":7\n}}");
  CHECK(c.prompt == 6u);
  CHECK(c.completion == 7u);
  // Not a non-negative integer: no count (timings then fill in where they can).
  c = find_token_counts(
      R"({"usage":{"prompt_tokens":1.5,"completion_tokens":2e3},"timings":{"prompt_n":4}})");
  CHECK(c.prompt == 4u);
  CHECK_FALSE(c.completion);
  CHECK(find_token_counts(R"({"usage":{"prompt_tokens":99999999999999999999999}})").empty());  // overflow
  CHECK(find_token_counts(R"({"usage":{"prompt_tokens" 5}})").empty());  // no colon: not read
}

TEST_CASE("long answers: the last key found in the tail, before it, or across its start") {
  const std::string filler = "{\"content\":\"" + std::string(5000, 'x') + "\"}";
  const std::string usage_a = R"("usage":{"prompt_tokens":1,"completion_tokens":2})";
  const std::string usage_b = R"("usage":{"prompt_tokens":3,"completion_tokens":4})";
  // Only before the last 2 KiB.
  auto c = find_token_counts("{" + usage_a + ",\"data\":[" + filler + "]}");
  CHECK(c.prompt == 1u);
  // One before, one in the tail: the later one.
  c = find_token_counts("{" + usage_a + ",\"data\":[" + filler + "]," + usage_b + "}");
  CHECK(c.prompt == 3u);
  CHECK(c.completion == 4u);
  // The key starting at every offset around the tail's start (2 KiB before the end):
  // wholly inside, straddling it, wholly before.
  for (std::size_t from_end = 2036; from_end < 2060; ++from_end) {
    CAPTURE(from_end);
    const std::string after = ",\"z\":\"" + std::string(from_end - usage_b.size() - 8, 'y') + "\"}";
    const std::string text = "{\"data\":[" + filler + "]," + usage_b + after;
    c = find_token_counts(text);
    CHECK(c.prompt == 3u);
  }
}
