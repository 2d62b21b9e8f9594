// curl_multi_driver: curl's socket and timer callbacks mapped onto Asio waits.
#include "studio/download/curl_multi_driver.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace studio::download {
namespace net = boost::asio;

// One socket curl asked us to watch. The descriptor does not own the fd: curl closes it, after
// telling us CURL_POLL_REMOVE, when we release() it. Handlers hold a shared_ptr and check
// `removed` because curl may reuse the same fd number for a new socket.
struct curl_multi_driver::watch {
  watch(net::any_io_executor ex, curl_socket_t s) : fd(s), desc(ex, s) {}
  curl_socket_t fd;
  net::posix::stream_descriptor desc;
  int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
  bool reading = false;
  bool writing = false;
  bool removed = false;
};

curl_multi_driver::curl_multi_driver(net::any_io_executor ex)
    : ex_(ex), multi_(curl_multi_init()), timer_(ex) {
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &curl_multi_driver::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &curl_multi_driver::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

curl_multi_driver::~curl_multi_driver() {
  for (auto& [easy, done] : done_) curl_multi_remove_handle(multi_, easy);
  done_.clear();
  for (auto& [fd, w] : watches_) {
    w->removed = true;
    w->desc.release();
  }
  watches_.clear();
  curl_multi_cleanup(multi_);
}

void curl_multi_driver::add(CURL* easy, std::function<void(CURLcode)> done) {
  done_[easy] = std::move(done);
  CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    done_.erase(easy);
    spdlog::error("curl_multi_add_handle: {}", curl_multi_strerror(rc));
    net::post(ex_, [fn = std::move(done)] { fn(CURLE_FAILED_INIT); });
  }
}

void curl_multi_driver::remove(CURL* easy) {
  if (done_.erase(easy) > 0) curl_multi_remove_handle(multi_, easy);
}

int curl_multi_driver::on_socket(CURL*, curl_socket_t fd, int what, void* self_ptr, void*) {
  auto* self = static_cast<curl_multi_driver*>(self_ptr);
  auto it = self->watches_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it != self->watches_.end()) {
      it->second->removed = true;
      it->second->desc.release();  // cancels our waits; the fd stays open for curl to close
      self->watches_.erase(it);
    }
    return 0;
  }
  if (it == self->watches_.end()) it = self->watches_.emplace(fd, std::make_shared<watch>(self->ex_, fd)).first;
  it->second->wanted = what;
  self->arm(it->second);
  return 0;
}

void curl_multi_driver::arm(const std::shared_ptr<watch>& w) {
  if ((w->wanted & CURL_POLL_IN) && !w->reading) {
    w->reading = true;
    w->desc.async_wait(net::posix::descriptor_base::wait_read, [this, w](const boost::system::error_code& ec) {
      w->reading = false;
      if (ec || w->removed) return;
      act(w->fd, CURL_CSELECT_IN);
      if (!w->removed) arm(w);
    });
  }
  if ((w->wanted & CURL_POLL_OUT) && !w->writing) {
    w->writing = true;
    w->desc.async_wait(net::posix::descriptor_base::wait_write, [this, w](const boost::system::error_code& ec) {
      w->writing = false;
      if (ec || w->removed) return;
      act(w->fd, CURL_CSELECT_OUT);
      if (!w->removed) arm(w);
    });
  }
}

int curl_multi_driver::on_timer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<curl_multi_driver*>(self_ptr);
  self->timer_.cancel();
  if (timeout_ms < 0) return 0;  // curl wants no timeout
  // Even a 0 ms timeout goes through the loop: curl must not be re-entered from its callback.
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  self->timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->act(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void curl_multi_driver::act(curl_socket_t fd, int mask) {
  int running = 0;
  CURLMcode rc = curl_multi_socket_action(multi_, fd, mask, &running);
  if (rc != CURLM_OK) spdlog::error("curl_multi_socket_action: {}", curl_multi_strerror(rc));
  finish_done_transfers();
}

void curl_multi_driver::finish_done_transfers() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    auto it = done_.find(easy);
    if (it == done_.end()) continue;
    auto done = std::move(it->second);
    done_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    done(result);
  }
}

}  // namespace studio::download
