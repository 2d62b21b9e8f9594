// llama_flags: reads `<binary> --help` once and refuses unsupported options (see llama_flags.hpp).
#include "studio/api/llama_flags.hpp"

#include "run_binary.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace studio::api {
namespace net = boost::asio;

llama_flags::llama_flags(net::any_io_executor ex) : strand_(net::make_strand(ex)) {}

void llama_flags::load(std::string binary) {
  binary_ = std::move(binary);
  loading_ = true;  // before any request can arrive: load() is called during start-up
  net::co_spawn(strand_, read_help(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::warn("reading llama-server --help failed: {}", ex.what());
    }
  });
}

net::awaitable<void> llama_flags::read_help() {
  auto run_op = run_binary(binary_, "--help");
  auto outcome = co_await std::move(run_op);
  if (!outcome.error.empty()) {
    spdlog::warn("cannot read the flags of {}: {}; no instance option is refused for a missing flag", binary_,
                 outcome.error);
  } else if (auto parsed = supervisor::parse_help_flags(outcome.output); parsed.empty()) {
    spdlog::warn("{} --help lists no flags; no instance option is refused for a missing flag", binary_);
  } else {
    spdlog::info("{} supports {} flags", binary_, parsed.size());
    flags_ = std::move(parsed);
  }
  loading_ = false;
  for (auto* timer : waiters_) timer->cancel();
}

net::awaitable<void> llama_flags::wait_ready() {
  while (loading_) {
    net::steady_timer timer(strand_, net::steady_timer::time_point::max());
    waiters_.push_back(&timer);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
    std::erase(waiters_, &timer);
  }
}

net::awaitable<std::optional<std::string>> llama_flags::check(boost::json::object options) {
  auto op = net::co_spawn(strand_, check_on_strand(std::move(options)), net::use_awaitable);
  co_return co_await std::move(op);
}

net::awaitable<std::optional<std::string>> llama_flags::check_on_strand(boost::json::object options) {
  co_await wait_ready();
  if (!flags_) co_return std::nullopt;
  co_return supervisor::unsupported_option(options, *flags_, binary_);
}

net::awaitable<std::optional<supervisor::flag_set>> llama_flags::flags() {
  auto op = net::co_spawn(strand_, flags_on_strand(), net::use_awaitable);
  co_return co_await std::move(op);
}

net::awaitable<std::optional<supervisor::flag_set>> llama_flags::flags_on_strand() {
  co_await wait_ready();
  co_return flags_;
}

net::awaitable<std::optional<std::string>> unsupported_flag(llama_flags* flags, boost::json::object options) {
  if (flags == nullptr) co_return std::nullopt;
  auto op = flags->check(std::move(options));
  co_return co_await std::move(op);
}

}  // namespace studio::api
