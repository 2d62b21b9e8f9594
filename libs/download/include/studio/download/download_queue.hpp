// The download queue: catalog files waiting or being fetched, at most N at a time, each run
// by a download coroutine on the gateway's io_context; progress published as SSE-ready
// events; the queue persisted to a journal and restored at start.
//
// The queue, its curl driver and its download coroutines live on one strand of the
// io_context: call every member from executor() (co_spawn onto it from other coroutines),
// so --threads > 1 is safe.
#pragma once

#include "studio/download/curl_multi_driver.hpp"
#include "studio/download/download_job.hpp"
#include "studio/download/event_hub.hpp"

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <list>
#include <memory>

namespace studio::download {

class download_queue {
 public:
  download_queue(boost::asio::any_io_executor ex, queue_options opts);
  ~download_queue();

  // The strand every member must be called on.
  boost::asio::any_io_executor executor() const { return ex_; }

  enum class enqueue_result { queued, already_queued, already_downloading };
  // Queues a file (no check that it is absent: the caller decides about present files).
  enqueue_result enqueue(download_spec spec, bool force);
  // Cancels a queued or running download and removes its partial file. False when not queued.
  bool cancel(const std::string& file);
  // The state of a queued, running or failed download of `file`.
  std::optional<job_view> find(const std::string& file) const;
  // Every queued and running download, in queue order.
  std::vector<job_view> list() const;
  // Restores the journal: `lookup` turns a saved file name into a spec (nullopt drops it).
  void restore(const std::function<std::optional<download_spec>(const std::string&)>& lookup);

  event_hub& events() { return events_; }

 private:
  void start_ready();
  void on_change(job_state& job, bool state_changed);
  void persist(bool durable = true);  // durable: fsynced (see save_journal)
  void finished(const std::shared_ptr<job_state>& job);
  static job_view view_of(const job_state& job);

  boost::asio::any_io_executor ex_;
  queue_options opts_;
  curl_multi_driver driver_;
  // Hashing (CPU, at most one strand per running download) and blocking file calls (one
  // connection's block writes, early writeback, journal saves, which can wait on a busy disk
  // for a good part of a second): threads enough for two downloads' hashing plus a few writes
  // in flight (the development VM's disk writes 4 MiB blocks fastest 4 at a time).
  boost::asio::thread_pool pool_{5};
  // Journal writes (fsync included) run here, in order, off the I/O thread: on ext4 an fsync
  // can wait for the writeback of the file being downloaded.
  boost::asio::strand<boost::asio::thread_pool::executor_type> journal_writer_{boost::asio::make_strand(pool_.get_executor())};
  std::list<std::shared_ptr<job_state>> jobs_;  // queued and running, in order
  std::map<std::string, job_view> failed_;      // last failure per file, until re-queued
  event_hub events_;
  std::chrono::steady_clock::time_point last_persist_{};
};

}  // namespace studio::download
