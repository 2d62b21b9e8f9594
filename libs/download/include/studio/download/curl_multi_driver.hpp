// The bridge between libcurl's multi interface and the gateway's io_context: curl tells us
// which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to time out
// (CURLMOPT_TIMERFUNCTION); we wait on those sockets and that timer with Asio and call
// curl_multi_socket_action when they fire. No polling, no threads.
//
// Call every member from the thread running the io_context (one I/O thread, or a strand).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <curl/curl.h>

#include <functional>
#include <map>
#include <memory>

namespace studio::download {

class curl_multi_driver {
 public:
  // Throws std::runtime_error when curl_multi_init fails.
  explicit curl_multi_driver(boost::asio::any_io_executor ex);
  ~curl_multi_driver();
  curl_multi_driver(const curl_multi_driver&) = delete;
  curl_multi_driver& operator=(const curl_multi_driver&) = delete;

  // Starts `easy`; `done` runs on the loop with the transfer's result once it ends (never from
  // inside add). The easy handle must stay alive until done runs or remove() is called.
  void add(CURL* easy, std::function<void(CURLcode)> done);
  // Stops a transfer that has not ended; its `done` is not called. No-op for unknown handles.
  void remove(CURL* easy);
  std::size_t active() const { return done_.size(); }
  const boost::asio::any_io_executor& executor() const { return ex_; }

 private:
  struct watch;
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void arm(const std::shared_ptr<watch>& w);
  void act(curl_socket_t fd, int mask);
  void finish_done_transfers();

  boost::asio::any_io_executor ex_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  std::map<curl_socket_t, std::shared_ptr<watch>> watches_;
  std::map<CURL*, std::function<void(CURLcode)>> done_;
};

}  // namespace studio::download
