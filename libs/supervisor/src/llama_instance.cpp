// llama_instance: the public operations (start, stop, status) on the strand,
// serialised by op_lock, and the restart timer. The child's own coroutines
// (launch, output, exit, readiness) are in instance_child.cpp.
#include "studio/supervisor/llama_instance.hpp"

#include "instance_child.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace studio::supervisor {
namespace net = boost::asio;

namespace {
clock_time now() { return std::chrono::steady_clock::now(); }
}  // namespace

// Runs a member coroutine on the strand and awaits it from the caller's executor.
// (Member coroutines, not coroutine lambdas: their captures would dangle.)
template <class T>
net::awaitable<T> llama_instance::on_strand(net::awaitable<T> op) {
  return net::co_spawn(strand_, std::move(op), net::use_awaitable);
}

llama_instance::llama_instance(net::any_io_executor executor, instance_settings settings)
    : settings_(std::move(settings)),
      strand_(net::make_strand(executor)),
      ring_(settings_.ring_lines),
      log_(settings_.studio_dir / "logs" / (settings_.name + ".log"), settings_.log_max_bytes),
      restart_timer_(strand_) {}

llama_instance::~llama_instance() = default;

std::filesystem::path llama_instance::pidfile() const {
  return settings_.studio_dir / "run" / (settings_.name + ".pid");
}

namespace {
// A seconds option of the current start as milliseconds, or the fallback.
millis seconds_option(const std::optional<start_request>& request, const char* key, millis fallback) {
  if (!request) return fallback;
  const auto* v = request->options.if_contains(key);
  if (v == nullptr || !v->is_number()) return fallback;
  double seconds = v->is_double() ? v->get_double() : static_cast<double>(v->to_number<std::int64_t>());
  return millis(static_cast<std::int64_t>(seconds * 1000));
}
}  // namespace

millis llama_instance::load_timeout() const {
  return seconds_option(current_, "load_timeout_seconds", settings_.default_load_timeout);
}

millis llama_instance::stop_grace() const {
  return seconds_option(current_, "stop_grace_seconds", settings_.stop_grace);
}

net::awaitable<bool> llama_instance::wait_until(const std::function<bool()>& pred, clock_time deadline) {
  while (!pred()) {
    if (now() >= deadline) co_return false;
    net::steady_timer timer(strand_, deadline);
    watchers_.push_back(&timer);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;
    std::erase(watchers_, &timer);
  }
  co_return true;
}

void llama_instance::notify() {
  for (auto* timer : watchers_) timer->cancel();
  // Every state change ends here: publish which model file the instance holds.
  auto state = machine_.state();
  std::optional<std::filesystem::path> model;
  if (current_ && state != instance_state::stopped && state != instance_state::failed)
    model = current_->model;
  route_snapshot route{state, settings_.port, std::nullopt, child_ ? child_->api_key : std::string()};
  if (model) route.model = current_->model_name;
  std::lock_guard lock(model_mutex_);
  model_in_use_ = std::move(model);
  route_ = std::move(route);
}

llama_instance::route_snapshot llama_instance::route_info() const {
  std::lock_guard lock(model_mutex_);
  return route_;
}

bool llama_instance::active_model_is(std::string_view model) const {
  std::lock_guard lock(model_mutex_);
  return route_.model && *route_.model == model;
}

bool llama_instance::uses_model(const std::filesystem::path& model) const {
  std::lock_guard lock(model_mutex_);
  if (!model_in_use_) return false;
  std::error_code ec;
  return std::filesystem::equivalent(*model_in_use_, model, ec);
}

namespace {
lifecycle_policy policy_from(const boost::json::object& options) {
  lifecycle_policy policy;
  if (const auto* v = options.if_contains("auto_restart"); v && v->is_bool())
    policy.auto_restart = v->get_bool();
  if (const auto* v = options.if_contains("max_restarts"); v && v->is_int64()) {
    policy.max_restarts = static_cast<unsigned>(v->get_int64());
  }
  if (const auto* v = options.if_contains("restart_delay_seconds"); v && v->is_number()) {
    double seconds = v->is_double() ? v->get_double() : static_cast<double>(v->to_number<std::int64_t>());
    policy.restart_delay = millis(static_cast<std::int64_t>(seconds * 1000));
  }
  return policy;
}
}  // namespace

net::awaitable<start_result> llama_instance::start(start_request request, bool wait_ready) {
  co_return co_await on_strand(do_start(std::move(request), wait_ready));
}

net::awaitable<start_result> llama_instance::do_start(start_request request, bool wait_ready) {
  unsigned launched_generation = 0;
  {
    auto guard = co_await lock_.acquire();
    if (shutting_down_) co_return start_result{503, "the gateway is shutting down"};
    co_await stop_locked();  // replaces a running child
    machine_.set_policy(policy_from(request.options));
    auto act = machine_.resume({event_kind::start}, now());
    if (act.kind == action_kind::refuse) {
      notify();
      co_return start_result{503, "model failed to load repeatedly; cooling down", act.delay};
    }
    current_ = std::move(request);
    auto result = launch(*current_);
    notify();
    if (result.http_status != 200) co_return result;
    launched_generation = generation_;
  }
  if (wait_ready) {
    co_await wait_until(
        [this, launched_generation] {
          auto state = machine_.state();  // a load timeout passes through stopping on its way to failed
          return generation_ != launched_generation ||
                 (state != instance_state::starting && state != instance_state::stopping);
        },
        clock_time::max());
    if (machine_.state() == instance_state::failed) {
      co_return start_result{500, machine_.last_error().value_or("llama-server failed")};
    }
  }
  co_return start_result{};
}

net::awaitable<bool> llama_instance::stop() { co_return co_await on_strand(do_stop(false)); }

net::awaitable<void> llama_instance::shutdown() { co_await on_strand(do_stop(true)); }

net::awaitable<bool> llama_instance::do_stop(bool for_shutdown) {
  auto guard = co_await lock_.acquire();
  if (for_shutdown) shutting_down_ = true;
  co_return co_await stop_locked();
}

net::awaitable<bool> llama_instance::stop_locked() {
  auto state = machine_.state();
  if (state == instance_state::stopped || state == instance_state::failed) co_return false;
  auto act = machine_.resume({event_kind::stop}, now());
  restart_timer_.cancel();
  if (act.kind == action_kind::terminate && child_) terminate(child_);
  notify();
  // The exit is handled by watch_exit, which resets child_; SIGKILL follows the grace period.
  co_await wait_until([this] { return !child_; }, now() + stop_grace() + millis(5000));
  if (child_) spdlog::error("instance {}: child {} did not exit after SIGKILL", settings_.name, child_->pid);
  co_return true;
}

void llama_instance::apply(const action& act) {
  if (act.kind == action_kind::schedule_restart) {
    spdlog::warn("instance {}: restarting in {} ms (restart {} of {})", settings_.name, act.delay.count(),
                 machine_.restarts() + 1, machine_.policy().max_restarts);
    net::co_spawn(strand_, restart_after(act.delay), [name = settings_.name](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("instance {}: restart failed: {}", name, ex.what());
      }
    });
  }
}

net::awaitable<void> llama_instance::restart_after(millis delay) {
  restart_timer_.expires_after(delay);
  auto [ec] = co_await restart_timer_.async_wait(net::as_tuple(net::use_awaitable));
  if (ec) co_return;  // cancelled by a stop or a new start
  auto guard = co_await lock_.acquire();
  if (machine_.state() != instance_state::restarting || !current_ || shutting_down_) co_return;
  auto act = machine_.resume({event_kind::restart_due}, now());
  if (act.kind == action_kind::launch) launch(*current_);
  notify();
}

net::awaitable<instance_status> llama_instance::status() { co_return co_await on_strand(do_status()); }

net::awaitable<instance_status> llama_instance::do_status() {
  instance_status s;
  s.state = machine_.state();
  s.port = settings_.port;
  s.restarts = machine_.restarts();
  s.last_error = machine_.last_error();
  s.history = machine_.history();
  if (child_) s.pid = child_->pid;
  if (current_ && s.state != instance_state::stopped && s.state != instance_state::failed) {
    s.model = current_->model_name;
  }
  if (auto since = machine_.running_since()) {
    s.uptime_seconds = std::chrono::duration<double>(now() - *since).count();
  }
  if (s.state == instance_state::starting && ring_.size() > 0) s.progress = ring_.tail(1).front();
  co_return s;
}

net::awaitable<std::optional<probe_result>> llama_instance::health() {
  bool alive = co_await on_strand(has_child());
  if (!alive) co_return std::nullopt;
  auto result = co_await http_get("127.0.0.1", settings_.port, "/health", "", millis(1000));
  if (result.status == 0) co_return std::nullopt;
  co_return result;
}

net::awaitable<bool> llama_instance::has_child() { co_return child_ != nullptr; }

net::awaitable<std::string> llama_instance::internal_api_key() { co_return co_await on_strand(child_key()); }

net::awaitable<std::string> llama_instance::child_key() {
  co_return child_ ? child_->api_key : std::string();
}

net::awaitable<std::vector<std::string>> llama_instance::recent_log(std::size_t max_lines) {
  co_return co_await on_strand(ring_tail(max_lines));
}

net::awaitable<std::vector<std::string>> llama_instance::ring_tail(std::size_t max_lines) {
  co_return ring_.tail(max_lines);
}

net::awaitable<llama_instance::log_follow> llama_instance::follow_log(std::size_t recent_lines) {
  co_return co_await on_strand(subscribe_log(recent_lines));
}

net::awaitable<llama_instance::log_follow> llama_instance::subscribe_log(std::size_t recent_lines) {
  std::erase_if(log_subs_, [](const auto& w) { return w.expired(); });
  auto sub = std::make_shared<log_subscription>(strand_);
  log_subs_.push_back(sub);
  co_return log_follow{ring_.tail(recent_lines), std::move(sub)};
}

net::awaitable<std::vector<std::string>> llama_instance::next_log_lines(std::shared_ptr<log_subscription> sub,
                                                                        millis idle) {
  co_return co_await on_strand(take_log_lines(std::move(sub), idle));
}

net::awaitable<std::vector<std::string>> llama_instance::take_log_lines(std::shared_ptr<log_subscription> sub,
                                                                        millis idle) {
  co_return co_await sub->next(idle);
}

}  // namespace studio::supervisor
