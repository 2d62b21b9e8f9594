// The flags the configured llama-server accepts, read once at start from
// `<binary> --help` (a child process awaited with a timeout, never blocking the
// loop), and the check that refuses instance options whose flag is missing:
// users run many llama-server versions. When the help cannot be read or lists no
// flag, nothing is refused (a warning is logged).
//
// Thread-safety: every member runs on the object's own strand; the public
// coroutines may be awaited from any executor of the same io_context.
#pragma once

#include "studio/supervisor/help_flags.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace studio::api {

class llama_flags {
 public:
  explicit llama_flags(boost::asio::any_io_executor ex);
  llama_flags(const llama_flags&) = delete;
  llama_flags& operator=(const llama_flags&) = delete;

  // Starts reading `binary --help` in the background (call once, at start).
  void load(std::string binary);
  // The first option of `options` the binary does not support, as a 400 message
  // ("option 'x' (flag --y) is not supported by <binary>"); nullopt when all are (or
  // the flags are unknown). While the help is still being read, waits for it.
  boost::asio::awaitable<std::optional<std::string>> check(boost::json::object options);
  // The parsed flags once read; nullopt while reading or when unknown.
  boost::asio::awaitable<std::optional<supervisor::flag_set>> flags();

 private:
  boost::asio::awaitable<void> read_help();
  boost::asio::awaitable<std::optional<std::string>> check_on_strand(boost::json::object options);
  boost::asio::awaitable<std::optional<supervisor::flag_set>> flags_on_strand();
  boost::asio::awaitable<void> wait_ready();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::string binary_;
  bool loading_ = false;                       // a read is under way: check() waits for it
  std::optional<supervisor::flag_set> flags_;  // nullopt: unknown, refuse nothing
  std::vector<boost::asio::steady_timer*> waiters_;
};

// flags->check(options), or nullopt when there is no flags object (no check).
boost::asio::awaitable<std::optional<std::string>> unsupported_flag(llama_flags* flags,
                                                                    boost::json::object options);

}  // namespace studio::api
