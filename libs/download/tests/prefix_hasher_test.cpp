// prefix_hasher: the digest of a file hashed in pieces while it grows equals the whole file's,
// whether read back or staged from memory (after a resumed prefix, and with the buffers all
// queued); a restart hashes from byte 0 again, and a file shorter than claimed gives no digest.
// Write-behind: pieces handed over unwritten end up in the file (O_DIRECT or not, after an
// unaligned resumed prefix, with the caller writing some itself while every buffer is queued),
// first_unwritten() says where the file's bytes end meanwhile, an old buffer is written before it
// is full, and a failed write is reported.
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <future>
#include <random>
#include <thread>

using namespace studio::download;
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string digest_of(std::string_view data) {
  sha256_stream h;
  h.update(data);
  return h.finish();
}

std::string slurp_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(std::size_t n) {
  std::mt19937 rng(7);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct scratch {
  fs::path path;
  scratch() {
    char tmpl[] = "/tmp/prefix-hasher-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
  }
  ~scratch() { fs::remove(path); }
  void append(std::string_view data) const {
    std::ofstream(path, std::ios::binary | std::ios::app).write(data.data(), static_cast<std::streamsize>(data.size()));
  }
};

template <typename T>
T run(net::io_context& ioc, net::awaitable<T> work) {
  auto f = net::co_spawn(ioc, std::move(work), net::use_future);
  ioc.run();
  ioc.restart();
  return f.get();
}

prefix_hasher::result finish(net::io_context& ioc, prefix_hasher& h, std::uint64_t length) {
  return run(ioc, h.finish(length));
}

// Caller writes itself (stage/advance), as the chunked parallel mode does.
prefix_hasher::options reading_back(std::uint64_t step, std::size_t buffer_bytes = 256U << 10,
                                    std::size_t max_buffers = 32) {
  return {.write_behind = false, .direct_io = false, .step = step, .buffer_bytes = buffer_bytes,
          .max_buffers = max_buffers};
}

}  // namespace

TEST_CASE("hashing a growing file in steps gives the whole file's digest") {
  net::io_context ioc;
  net::thread_pool pool(2);
  scratch file;
  auto data = random_bytes(3'000'000);
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, reading_back(100'000));
  for (std::size_t at = 0; at < data.size(); at += 70'001) {
    auto piece = std::string_view(data).substr(at, 70'001);
    file.append(piece);
    h->advance(at + piece.size());
  }
  auto r = finish(ioc, *h, data.size());
  CHECK(r.synced);
  CHECK(r.digest == digest_of(data));
}

TEST_CASE("restart hashes from byte 0; a short file gives no digest") {
  net::io_context ioc;
  net::thread_pool pool(1);
  scratch file;
  auto data = random_bytes(500'000);
  file.append("garbage that is later truncated away");
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, reading_back(10));
  h->advance(20);
  fs::resize_file(file.path, 0);
  h->restart();
  file.append(data);
  h->advance(data.size());
  CHECK(finish(ioc, *h, data.size()).digest == digest_of(data));

  auto short_one = std::make_shared<prefix_hasher>(pool, file.path, true);
  CHECK(finish(ioc, *short_one, data.size() + 10).digest.empty());
  auto no_hash = std::make_shared<prefix_hasher>(pool, file.path, false);
  auto r = finish(ioc, *no_hash, data.size());
  CHECK(r.digest.empty());
  CHECK(r.synced);
}

TEST_CASE("pieces staged after a resumed prefix are hashed from memory") {
  net::io_context ioc;
  net::thread_pool pool(2);
  scratch file;
  auto data = random_bytes(1'000'000);
  const std::size_t resumed = 123'457;
  file.append(std::string_view(data).substr(0, resumed));
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, reading_back(50'000, 64 * 1024, 4));
  h->advance(resumed);
  for (std::size_t at = resumed; at < data.size(); at += 16'411) {
    auto piece = std::string_view(data).substr(at, 16'411);
    file.append(piece);
    h->stage(at, piece);
  }
  auto r = finish(ioc, *h, data.size());
  CHECK(r.synced);
  CHECK(r.digest == digest_of(data));
}

TEST_CASE("while every staging buffer is queued, pieces are read back instead; the I/O side never waits") {
  net::io_context ioc;
  net::thread_pool pool(1);
  // The pool's only thread is held until all pieces are staged: the 2 buffers stay queued.
  std::promise<void> release;
  auto held = release.get_future().share();
  net::post(pool, [held] { held.wait(); });
  scratch file;
  auto data = random_bytes(1'500'000);
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, reading_back(100'000, 64 * 1024, 2));
  auto stage_until = [&](std::size_t from, std::size_t to) {
    for (std::size_t at = from; at < to; at += 16'384) {
      auto piece = std::string_view(data).substr(at, std::min<std::size_t>(16'384, to - at));
      file.append(piece);
      h->stage(at, piece);
    }
  };
  stage_until(0, 700'000);
  release.set_value();
  // Once the queued buffers are hashed and back, copying resumes after the read-back gap.
  std::promise<void> idle;
  net::post(pool, [&] { idle.set_value(); });
  idle.get_future().wait();
  stage_until(700'000, data.size());
  CHECK(finish(ioc, *h, data.size()).digest == digest_of(data));
  // Unhashed: only writeback and fsync.
  auto plain = std::make_shared<prefix_hasher>(pool, file.path, false, reading_back(100'000, 64 * 1024, 2));
  plain->stage(0, data);
  auto r = finish(ioc, *plain, data.size());
  CHECK(r.digest.empty());
  CHECK(r.synced);
}

TEST_CASE("write-behind: pieces after an unaligned resumed prefix reach the file, direct or through the cache") {
  for (bool direct : {true, false}) {
    CAPTURE(direct);
    net::io_context ioc;
    net::thread_pool pool(3);
    scratch file;
    auto data = random_bytes(2'000'000);
    const std::size_t resumed = 123'457;  // not on a 4 KiB boundary
    file.append(std::string_view(data).substr(0, resumed));
    auto h = std::make_shared<prefix_hasher>(
        pool, file.path, true, prefix_hasher::options{.direct_io = direct, .buffer_bytes = 64 * 1024, .max_buffers = 64});
    h->advance(resumed);
    CHECK_FALSE(h->first_unwritten());
    for (std::size_t at = resumed; at < data.size(); at += 16'384) {
      auto piece = std::string_view(data).substr(at, 16'384);
      REQUIRE(h->write_behind(at, piece));
    }
    REQUIRE(h->first_unwritten());
    CHECK(*h->first_unwritten() >= resumed);
    auto r = finish(ioc, *h, data.size());
    CHECK(r.write_error.empty());
    CHECK(r.synced);
    CHECK(r.digest == digest_of(data));
    CHECK_FALSE(h->first_unwritten());
    CHECK(slurp_file(file.path) == data);
    CHECK(r.written_behind == data.size() - resumed);
    const int probe = ::open(file.path.c_str(), O_WRONLY | O_DIRECT);  // fails where the file system refuses it
    if (probe >= 0) ::close(probe);
    if (direct && probe >= 0)
      CHECK(r.written_direct > r.written_behind * 9 / 10);  // all but the partial pages at the blocks' ends
    else
      CHECK(r.written_direct == 0);
  }
}

TEST_CASE("write-behind: with every buffer queued the caller writes the piece; first_unwritten marks the gap") {
  net::io_context ioc;
  net::thread_pool pool(1);
  std::promise<void> release;
  auto held = release.get_future().share();
  net::post(pool, [held] { held.wait(); });  // the only pool thread: nothing is written yet
  scratch file;
  auto data = random_bytes(600'000);
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true,
                                           prefix_hasher::options{.buffer_bytes = 64 * 1024, .max_buffers = 2});
  std::size_t by_caller = 0;
  for (std::size_t at = 0; at < data.size(); at += 16'384) {
    auto piece = std::string_view(data).substr(at, 16'384);
    if (h->write_behind(at, piece)) continue;
    ++by_caller;
    auto fd = ::open(file.path.c_str(), O_WRONLY);
    REQUIRE(::pwrite(fd, piece.data(), piece.size(), static_cast<off_t>(at)) == static_cast<ssize_t>(piece.size()));
    ::close(fd);
    h->stage(at, piece);
  }
  CHECK(by_caller > 0);
  REQUIRE(h->first_unwritten());
  CHECK(*h->first_unwritten() == 0);  // the first block still waits for the held thread
  release.set_value();
  CHECK(run(ioc, h->drain()).empty());
  CHECK_FALSE(h->first_unwritten());
  CHECK(slurp_file(file.path) == data);
  CHECK(finish(ioc, *h, data.size()).digest == digest_of(data));
}

TEST_CASE("write-behind: a write that fails is reported by drain() and finish()") {
  net::io_context ioc;
  net::thread_pool pool(1);
  if (!fs::exists("/dev/full")) return;
  auto h = std::make_shared<prefix_hasher>(pool, "/dev/full", false, prefix_hasher::options{.direct_io = false});
  REQUIRE(h->write_behind(0, random_bytes(10'000)));
  CHECK(run(ioc, h->drain()).find("No space left") != std::string::npos);
  CHECK_FALSE(finish(ioc, *h, 10'000).write_error.empty());
}

TEST_CASE("write-behind: a staging buffer older than flush_after is written when the next piece comes") {
  using namespace std::chrono_literals;
  for (auto flush_after : {0ms, 3'600'000ms}) {
    CAPTURE(flush_after.count());
    net::io_context ioc;
    net::thread_pool pool(1);  // runs the block writes in the order they are queued
    scratch file;
    auto data = random_bytes(2 * 16'384);
    auto h = std::make_shared<prefix_hasher>(pool, file.path, false, prefix_hasher::options{.flush_after = flush_after});
    REQUIRE(h->write_behind(0, std::string_view(data).substr(0, 16'384)));
    REQUIRE(h->write_behind(16'384, std::string_view(data).substr(16'384)));
    std::promise<void> after_queued_writes;
    net::post(pool, [&] { after_queued_writes.set_value(); });
    after_queued_writes.get_future().wait();
    REQUIRE(h->first_unwritten());
    CHECK(*h->first_unwritten() == (flush_after == 0ms ? 16'384U : 0U));
    CHECK(run(ioc, h->drain()).empty());
    CHECK(slurp_file(file.path) == data);
  }
}
