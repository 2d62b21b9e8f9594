// prefix_hasher: the digest of a file hashed in pieces while it grows equals the whole file's,
// whether read back or staged from memory (after a resumed prefix, and with the buffers all
// queued); a restart hashes from byte 0 again, and a file shorter than claimed gives no digest.
#include "studio/download/prefix_hasher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
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

prefix_hasher::result finish(net::io_context& ioc, prefix_hasher& h, std::uint64_t length) {
  auto f = net::co_spawn(ioc, h.finish(length), net::use_future);
  ioc.run();
  ioc.restart();
  return f.get();
}

}  // namespace

TEST_CASE("hashing a growing file in steps gives the whole file's digest") {
  net::io_context ioc;
  net::thread_pool pool(2);
  scratch file;
  auto data = random_bytes(3'000'000);
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, 100'000);
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
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, 10);
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
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, 50'000, 64 * 1024, 4);
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
  auto h = std::make_shared<prefix_hasher>(pool, file.path, true, 100'000, 64 * 1024, 2);
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
  auto plain = std::make_shared<prefix_hasher>(pool, file.path, false, 100'000, 64 * 1024, 2);
  plain->stage(0, data);
  auto r = finish(ioc, *plain, data.size());
  CHECK(r.digest.empty());
  CHECK(r.synced);
}
