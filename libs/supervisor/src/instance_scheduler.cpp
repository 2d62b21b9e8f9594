// instance_scheduler: on-demand single-flight starts, room under the
// running-instance limit (LRU eviction), FIFO concurrency slots and idle
// stops, all on one strand (see the header).
#include "studio/supervisor/instance_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

// g++ 12 false positive on Asio coroutine frames (see proxy_routes.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace studio::supervisor {
namespace net = boost::asio;

namespace {

constexpr std::string_view admin_name = "admin";  // the admin llama-server: not scheduled

sched_state state_of(instance_state s) {
  switch (s) {
    case instance_state::starting:
    case instance_state::restarting:
      return sched_state::loading;
    case instance_state::running:
      return sched_state::running;
    case instance_state::stopping:
      return sched_state::stopping;
    default:
      return sched_state::stopped;
  }
}

std::string seconds_text(std::chrono::milliseconds ms) {
  auto s = std::chrono::duration<double>(ms).count();
  auto text = std::to_string(s);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.ends_with('.')) text.pop_back();
  return text;
}

void log_end(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("scheduler: {} ended with an exception: {}", what, ex.what());
  }
}

}  // namespace

void instance_scheduler::lease::give_back() noexcept {
  if (!owner_) return;
  auto strand = owner_->strand_;  // first: the lambda below moves owner_
  net::post(strand, [owner = std::move(owner_), name = std::move(name_)] { owner->release(name); });
}

instance_scheduler::instance_scheduler(net::any_io_executor executor, instance_registry& registry,
                                       scheduler_options options)
    : registry_(registry), options_(std::move(options)), strand_(net::make_strand(executor)) {}

void instance_scheduler::configure(const std::string& name, start_request request) {
  profile p;
  const auto& o = request.options;
  if (const auto* v = o.if_contains("on_demand_start"); v && v->is_bool()) p.on_demand = v->get_bool();
  p.idle = idle_timeout_of(o);
  p.limit = concurrency_limit(o);
  p.request = std::move(request);
  {
    std::lock_guard lock(profiles_mutex_);
    profiles_[name] = std::move(p);
  }
  // A changed idle_timeout applies at once.
  net::post(strand_, [self = shared_from_this(), name] { self->arm_idle(name); });
}

void instance_scheduler::forget(const std::string& name) {
  {
    std::lock_guard lock(profiles_mutex_);
    profiles_.erase(name);
  }
  net::post(strand_, [self = shared_from_this(), name] {
    if (auto it = self->idle_timers_.find(name); it != self->idle_timers_.end()) it->second->cancel();
    self->idle_timers_.erase(name);
    const auto* e = self->book_.find(name);
    if (e && e->in_flight == 0 && e->queue.empty()) self->book_.erase(name);
  });
}

bool instance_scheduler::configured(const std::string& name) const {
  std::lock_guard lock(profiles_mutex_);
  return profiles_.contains(name);
}

std::optional<instance_scheduler::profile> instance_scheduler::profile_of(const std::string& name) const {
  std::lock_guard lock(profiles_mutex_);
  auto it = profiles_.find(name);
  if (it == profiles_.end()) return std::nullopt;
  return it->second;
}

void instance_scheduler::shutdown() {
  net::post(strand_, [self = shared_from_this()] {
    self->shut_down_ = true;
    for (auto& [name, timer] : self->idle_timers_) timer->cancel();
    self->notify_all();
  });
}

void instance_scheduler::notify_all() {
  for (auto* timer : waiters_) timer->cancel();
}

net::awaitable<bool> instance_scheduler::wait_change(sched_time deadline, const heartbeat_fn& heartbeat,
                                                     sched_time& next_beat, const std::string& note) {
  if (heartbeat && now() >= next_beat) {
    next_beat = now() + options_.heartbeat;
    bool alive = co_await heartbeat(note);
    if (!alive) co_return false;
  }
  auto until = std::min(deadline, now() + options_.poll);
  if (heartbeat) until = std::min(until, next_beat);
  net::steady_timer timer(strand_, until);
  waiters_.push_back(&timer);
  auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  (void)ec;
  std::erase(waiters_, &timer);
  co_return true;
}

net::awaitable<void> instance_scheduler::refresh_states() {
  auto names = registry_.names();
  for (const auto& name : names) {
    if (name == admin_name) continue;
    auto* inst = registry_.find(name);
    if (inst == nullptr) continue;
    auto st = co_await inst->status();
    auto state = state_of(st.state);
    if (stopping_.contains(name)) state = sched_state::stopping;
    if (auto it = reserved_.find(name); it != reserved_.end()) {
      if (now() - it->second > std::chrono::seconds(30)) {
        reserved_.erase(it);
      } else if (state == sched_state::stopped) {
        state = sched_state::loading;  // room was made for it; its start is on the way
      }
    }
    book_.set_state(name, state);
  }
}

net::awaitable<instance_scheduler::acquired> instance_scheduler::acquire(std::string name, heartbeat_fn heartbeat) {
  auto self = shared_from_this();
  auto op = net::co_spawn(strand_, do_acquire(self, std::move(name), std::move(heartbeat)), net::use_awaitable);
  co_return co_await std::move(op);
}

net::awaitable<instance_scheduler::acquired> instance_scheduler::do_acquire(std::shared_ptr<instance_scheduler>,
                                                                            std::string name,
                                                                            heartbeat_fn heartbeat) {
  acquired out;
  auto* inst = registry_.find(name);
  if (inst == nullptr) {
    out.error = {404, "instance '" + name + "' not found"};
    co_return out;
  }
  const auto prof = profile_of(name);
  const auto deadline = now() + options_.start_timeout;
  auto next_beat = now();
  const std::string loading_note = "loading " + name;
  bool waited = false;
  for (;;) {
    auto st = co_await inst->status();
    auto state = state_of(st.state);
    if (stopping_.contains(name)) state = sched_state::stopping;
    if (state == sched_state::running) {
      book_.set_state(name, sched_state::running);
      break;
    }
    const bool on_demand = prof && prof->on_demand && !shut_down_;
    if (!on_demand) {
      out.error = {503, "instance '" + name + "' is not running (" + std::string(to_string(st.state)) + ")"};
      co_return out;
    }
    if (now() >= deadline) {
      out.error = {503, "instance '" + name + "' did not become ready within " +
                            seconds_text(options_.start_timeout) + " s",
                   5};
      co_return out;
    }
    if (state == sched_state::stopped && !flights_.contains(name)) {
      if (st.state == instance_state::failed && waited) {
        out.error = {503, "instance '" + name + "' failed to start: " + st.last_error.value_or("unknown error")};
        co_return out;
      }
      auto f = std::make_shared<flight>();
      flights_[name] = f;
      net::co_spawn(strand_, run_start(shared_from_this(), name, f),
                    [](std::exception_ptr e) { log_end("on-demand start", e); });
    }
    if (auto it = flights_.find(name); it != flights_.end()) {
      auto f = it->second;
      while (!f->done && now() < deadline) {
        bool alive = co_await wait_change(deadline, heartbeat, next_beat, loading_note);
        if (!alive) {
          out.error = {499, "client closed the connection"};
          co_return out;
        }
      }
      if (f->done && f->error) {
        out.error = *f->error;
        co_return out;
      }
    } else {
      // Loading or stopping by someone else: re-check the state soon.
      bool alive = co_await wait_change(deadline, heartbeat, next_beat, loading_note);
      if (!alive) {
        out.error = {499, "client closed the connection"};
        co_return out;
      }
    }
    waited = true;
  }

  // A concurrency slot, FIFO behind the queue.
  const unsigned limit = prof ? prof->limit : 4;
  const unsigned bound = queue_bound(limit, options_.max_queue);
  auto admitted = book_.admit(name, limit, bound);
  if (admitted.kind == admit_kind::rejected) {
    const auto* e = book_.find(name);
    out.error = {429,
                 "instance '" + name + "' is busy: " + std::to_string(limit) + " requests in flight and " +
                     std::to_string(bound) + " queued",
                 retry_after_seconds(e ? static_cast<unsigned>(e->queue.size()) : 0, limit)};
    co_return out;
  }
  if (admitted.kind == admit_kind::queued) {
    const auto queue_deadline = now() + options_.start_timeout;
    const std::string queued_note = "queued for " + name;
    while (!granted_.contains(admitted.ticket)) {
      if (now() >= queue_deadline) break;
      bool alive = co_await wait_change(queue_deadline, heartbeat, next_beat, queued_note);
      if (!alive) break;
    }
    if (!granted_.contains(admitted.ticket)) {
      if (book_.cancel(name, admitted.ticket)) {
        out.error = {503, "instance '" + name + "' had no free slot within " +
                              seconds_text(options_.start_timeout) + " s",
                     5};
        co_return out;
      }
    }
    granted_.erase(admitted.ticket);
  }
  book_.touch(name, now());
  arm_idle(name);  // busy now: cancels the idle timer
  out.granted.emplace(shared_from_this(), name);
  co_return out;
}

void instance_scheduler::release(const std::string& name) {
  const auto prof = profile_of(name);
  const unsigned limit = prof ? prof->limit : 4;
  auto next = book_.release(name, now(), limit);
  if (next) granted_.insert(*next);
  notify_all();
  arm_idle(name);
}

net::awaitable<void> instance_scheduler::run_start(std::shared_ptr<instance_scheduler> self, std::string name,
                                                   std::shared_ptr<flight> f) {
  auto prof = profile_of(name);
  auto* inst = registry_.find(name);
  std::optional<schedule_error> error;
  if (!prof || inst == nullptr) {
    error = schedule_error{503, "instance '" + name + "' cannot be started on demand"};
  } else {
    auto room = co_await do_make_room(self, name, now() + options_.start_timeout);
    if (room) {
      error = std::move(room);
    } else {
      book_.set_state(name, sched_state::loading);
      spdlog::info("scheduler: starting {} on demand", name);
      auto start_op = inst->start(prof->request, true);
      auto result = co_await std::move(start_op);
      reserved_.erase(name);
      auto st = co_await inst->status();
      if (result.http_status != 200) {
        error = schedule_error{result.http_status, "instance '" + name + "' cannot start: " + result.error,
                               static_cast<unsigned>(result.retry_after.count() / 1000)};
      } else if (st.state != instance_state::running) {
        error = schedule_error{503, "instance '" + name + "' failed to start: " +
                                        st.last_error.value_or(std::string(to_string(st.state)))};
      }
      book_.set_state(name, state_of(st.state));
      book_.touch(name, now());
      arm_idle(name);
    }
  }
  if (error) spdlog::warn("scheduler: on-demand start of {}: {}", name, error->message);
  f->error = std::move(error);
  f->done = true;
  if (auto it = flights_.find(name); it != flights_.end() && it->second == f) flights_.erase(it);
  notify_all();
}

net::awaitable<std::optional<schedule_error>> instance_scheduler::make_room(std::string name) {
  auto self = shared_from_this();
  auto deadline = now() + options_.start_timeout;
  auto op = net::co_spawn(strand_, do_make_room(self, std::move(name), deadline), net::use_awaitable);
  co_return co_await std::move(op);
}

net::awaitable<std::optional<schedule_error>> instance_scheduler::do_make_room(std::shared_ptr<instance_scheduler>,
                                                                               std::string name,
                                                                               sched_time deadline) {
  if (options_.max_running == 0) co_return std::nullopt;
  const heartbeat_fn no_heartbeat;
  const std::string no_note;
  auto next_beat = now();
  for (;;) {
    co_await refresh_states();
    if (book_.active_count(name) < options_.max_running) {
      reserved_[name] = now();  // counted as loading until its start is under way
      book_.set_state(name, sched_state::loading);
      co_return std::nullopt;
    }
    if (!options_.lru_eviction) {
      co_return schedule_error{409, "maximum of running instances reached (" +
                                        std::to_string(options_.max_running) + ")"};
    }
    if (now() >= deadline) {
      co_return schedule_error{503, "maximum of running instances reached and no instance became idle within " +
                                        seconds_text(options_.start_timeout) + " s",
                               5};
    }
    if (evicting_) {  // share the eviction in progress, then look again
      co_await wait_change(deadline, no_heartbeat, next_beat, no_note);
      continue;
    }
    auto victim = book_.pick_eviction_victim(name);
    if (!victim) {
      // Every other instance is busy, loading or stopping: wait for one to become idle.
      co_await wait_change(deadline, no_heartbeat, next_beat, no_note);
      continue;
    }
    auto* inst = registry_.find(*victim);
    if (inst == nullptr) {  // removed meanwhile
      book_.erase(*victim);
      continue;
    }
    evicting_ = true;
    stopping_.insert(*victim);
    book_.set_state(*victim, sched_state::stopping);
    if (auto it = idle_timers_.find(*victim); it != idle_timers_.end()) it->second->cancel();
    spdlog::info("scheduler: evicting {} (least recently used) to start {}", *victim, name);
    auto stop_op = inst->stop();
    co_await std::move(stop_op);
    stopping_.erase(*victim);
    book_.set_state(*victim, sched_state::stopped);
    evicting_ = false;
    notify_all();
  }
}

void instance_scheduler::note_started(const std::string& name) {
  net::post(strand_, [self = shared_from_this(), name] {
    self->reserved_.erase(name);
    self->book_.touch(name, self->now());
    self->book_.set_state(name, sched_state::running);  // refreshed from the instance when it matters
    self->arm_idle(name);
    self->notify_all();
  });
}

void instance_scheduler::arm_idle(const std::string& name) {
  auto prof = profile_of(name);
  const auto* e = book_.find(name);
  std::optional<sched_time> deadline;
  if (prof && e && !shut_down_) deadline = idle_deadline(*e, prof->idle);
  auto it = idle_timers_.find(name);
  if (!deadline) {
    if (it != idle_timers_.end()) it->second->cancel();
    return;
  }
  if (it == idle_timers_.end())
    it = idle_timers_.emplace(name, std::make_unique<net::steady_timer>(strand_)).first;
  auto& timer = *it->second;
  // The injected clock and the timer's clock may differ: arm by the remaining time.
  timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(*deadline - now()));
  timer.async_wait([self = shared_from_this(), name](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or cancelled
    net::co_spawn(self->strand_, self->idle_stop(self, name),
                  [](std::exception_ptr e) { log_end("idle stop", e); });
  });
}

net::awaitable<void> instance_scheduler::idle_stop(std::shared_ptr<instance_scheduler>, std::string name) {
  auto prof = profile_of(name);
  const auto* e = book_.find(name);
  if (!prof || !e || shut_down_) co_return;
  auto deadline = idle_deadline(*e, prof->idle);
  if (!deadline) co_return;  // busy, or not running any more
  if (now() < *deadline) {
    arm_idle(name);
    co_return;
  }
  auto* inst = registry_.find(name);
  if (inst == nullptr) co_return;
  auto st = co_await inst->status();
  e = book_.find(name);
  if (!e || e->in_flight > 0 || !e->queue.empty() || stopping_.contains(name)) co_return;
  if (st.state != instance_state::running) {
    if (state_of(st.state) == sched_state::loading) {  // still loading: look again one idle period later
      book_.touch(name, now());
      arm_idle(name);
    } else {
      book_.set_state(name, state_of(st.state));
    }
    co_return;
  }
  stopping_.insert(name);
  book_.set_state(name, sched_state::stopping);
  spdlog::info("scheduler: stopping {}: idle for {} s", name, seconds_text(*prof->idle));
  auto stop_op = inst->stop();
  co_await std::move(stop_op);
  stopping_.erase(name);
  book_.set_state(name, sched_state::stopped);
  notify_all();
}

}  // namespace studio::supervisor
