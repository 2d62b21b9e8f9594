// The pure decisions: Range responses, resume, saved progress, segment plans, failure classes, backoff, disk space.
#include "studio/download/decisions.hpp"
#include "studio/download/sha256_stream.hpp"

#include <doctest/doctest.h>

using namespace studio::download;
using namespace std::chrono_literals;

TEST_CASE("Content-Range parsing") {
  auto r = parse_content_range("bytes 100-199/1000");
  REQUIRE(r);
  CHECK(r->first == 100);
  CHECK(r->last == 199);
  CHECK(*r->total == 1000);
  CHECK(!parse_content_range("bytes 100-199/*")->total);
  CHECK_FALSE(parse_content_range("bytes 200-100/1000"));
  CHECK_FALSE(parse_content_range("bytes 0-999/1000x"));
  CHECK_FALSE(parse_content_range("items 0-1/2"));
  CHECK_FALSE(parse_content_range("bytes 0-1000/1000"));
}

TEST_CASE("what to do with a response to a Range request") {
  CHECK(decide_body(0, 1000, 1000, 200, std::nullopt) == body_action::write_at_offset);
  CHECK(decide_body(500, 1000, 1000, 200, std::nullopt) == body_action::restart_at_zero);
  CHECK(decide_body(500, 1000, 1000, 206, "bytes 500-999/1000") == body_action::write_at_offset);
  CHECK(decide_body(500, 1000, 1000, 206, "bytes 0-999/1000") == body_action::fail);
  CHECK(decide_body(500, 1000, 1000, 206, "bytes 500-999/2000") == body_action::fail);
  CHECK(decide_body(500, 1000, 1000, 206, std::nullopt) == body_action::fail);
  CHECK(decide_body(1000, 1000, 1000, 416, "bytes */1000") == body_action::already_complete);
  CHECK(decide_body(1000, 1000, 1000, 416, "bytes */2000") == body_action::discard_restart);
  CHECK(decide_body(500, 1000, 1000, 416, "bytes */1000") == body_action::discard_restart);
  CHECK(decide_body(0, 1000, 1000, 404, std::nullopt) == body_action::fail);
}

TEST_CASE("resume only the same upstream file with the bytes on disk") {
  saved_progress saved{"abc", 1000, {{0, 500, 200}, {500, 1000, 100}}};
  upstream_file same{"abc", 1000, true};
  CHECK(decide_resume(saved, same, 1000) == saved.segments);
  CHECK_FALSE(decide_resume(saved, upstream_file{"def", 1000, true}, 1000));  // changed upstream
  CHECK_FALSE(decide_resume(saved, upstream_file{"abc", 2000, true}, 1000));
  CHECK_FALSE(decide_resume(saved, same, 100));  // .part shorter than the journal claims
  CHECK_FALSE(decide_resume(saved, upstream_file{"abc", 1000, false}, 1000));
  CHECK_FALSE(decide_resume(std::nullopt, same, 1000));
  saved_progress single{"abc", 1000, {{0, 1000, 400}}};
  CHECK(decide_resume(single, upstream_file{"abc", 1000, false}, 400));
}

TEST_CASE("saved progress never counts bytes that may not be in the file yet") {
  saved_progress p{"\"e\"", 1000, {segment{0, 500, 500}, segment{500, 1000, 300}}};
  clamp_to_written(p, 700);  // inside the second segment's done bytes
  CHECK(p.segments[0].done == 500);
  CHECK(p.segments[1].done == 200);
  clamp_to_written(p, 900);  // past what is done: nothing to cut
  CHECK(p.segments[1].done == 200);
  clamp_to_written(p, 0);
  CHECK(p.segments[0].done == 0);
}

TEST_CASE("segment plans") {
  CHECK(plan_segments(1000, 4, 64, false).size() == 1);
  CHECK(plan_segments(10, 4, 64, true).size() == 1);
  auto segs = plan_segments(1003, 4, 64, true);
  REQUIRE(segs.size() == 4);
  CHECK(segs.front().start == 0);
  CHECK(segs.back().end == 1003);
  for (std::size_t i = 1; i < segs.size(); ++i) CHECK(segs[i].start == segs[i - 1].end);
}

TEST_CASE("parallel plans are chunks in file order; the contiguous prefix follows them") {
  auto chunks = plan_segments(100, 4, 10, true, 10);
  REQUIRE(chunks.size() == 10);
  CHECK(chunks[3] == segment{30, 40, 0});
  CHECK(plan_segments(100, 4, 10, true, 10, 5).size() == 5);  // at most max_chunks
  CHECK(plan_segments(100, 4, 10, true, 1000).size() == 4);   // at least one chunk per connection
  CHECK(plan_segments(105, 4, 10, true, 10).back() == segment{100, 105, 0});

  std::size_t first = 0;
  CHECK(contiguous_prefix(chunks, first) == 0);
  chunks[1].done = 10;  // out of order: no prefix yet
  chunks[0].done = 4;
  CHECK(contiguous_prefix(chunks, first) == 4);
  chunks[0].done = 10;
  chunks[2].done = 3;
  CHECK(contiguous_prefix(chunks, first) == 23);
  CHECK(first == 2);
  for (auto& c : chunks) c.done = c.end - c.start;
  CHECK(contiguous_prefix(chunks, first) == 100);
}

TEST_CASE("failure classes and messages") {
  auto gated = classify_status(401, "GatedRepo", "meta/llama", "m.gguf", std::nullopt, false);
  CHECK_FALSE(gated.transient);
  CHECK(gated.message.find("set HF_TOKEN") != std::string::npos);
  auto unapproved = classify_status(403, "GatedRepo", "meta/llama", "m.gguf", std::nullopt, true);
  CHECK(unapproved.message.find("not approved") != std::string::npos);
  CHECK(classify_status(404, "EntryNotFound", "o/r", "m.gguf", std::nullopt, false).message ==
        "file m.gguf not found in o/r");
  CHECK(classify_status(404, "RepoNotFound", "o/r", "m.gguf", std::nullopt, false).message.find("repository o/r") == 0);
  auto busy = classify_status(429, "", "o/r", "m", "7", false);
  CHECK(busy.transient);
  CHECK(busy.retry_after == 7s);
  CHECK(classify_status(503, "", "o/r", "m", std::nullopt, false).transient);
}

TEST_CASE("backoff doubles up to the cap and honours Retry-After") {
  CHECK(backoff_delay(1, 1000ms, 60000ms, std::nullopt) == 1000ms);
  CHECK(backoff_delay(3, 1000ms, 60000ms, std::nullopt) == 4000ms);
  CHECK(backoff_delay(30, 1000ms, 60000ms, std::nullopt) == 60000ms);
  CHECK(backoff_delay(2, 1000ms, 60000ms, 9s) == 9000ms);
}

TEST_CASE("disk space check names what is needed and free") {
  CHECK_FALSE(check_disk_space(10ULL << 30, 4ULL << 30, 1ULL << 30));
  auto msg = check_disk_space(1ULL << 30, 4ULL << 30, 512ULL << 20);
  REQUIRE(msg);
  CHECK(msg->find("4.0 GiB still to download") != std::string::npos);
  CHECK(msg->find("1.0 GiB free") != std::string::npos);
}

TEST_CASE("sha256 from linked etags") {
  std::string hex(64, 'a');
  CHECK(sha256_from_etag("\"" + hex + "\"") == hex);
  CHECK(sha256_from_etag("W/\"" + std::string(64, 'A') + "\"") == hex);
  CHECK_FALSE(sha256_from_etag("\"3b1f0a\""));
}

TEST_CASE("sha256_stream matches a known digest") {
  sha256_stream h;
  h.update("ab");
  h.update("c");
  CHECK(h.finish() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
