// scheduler_policy: the pure admission, LRU and idle rules (see the header).
#include "studio/supervisor/scheduler_policy.hpp"

#include <algorithm>
#include <cmath>

namespace studio::supervisor {

namespace {
std::optional<double> number_of(const boost::json::object& options, std::string_view key) {
  const auto* v = options.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  return std::nullopt;
}
}  // namespace

unsigned concurrency_limit(const boost::json::object& options) {
  if (auto n = number_of(options, "max_concurrent_requests"); n && *n >= 1) return static_cast<unsigned>(*n);
  if (auto n = number_of(options, "parallel"); n && *n >= 1) return static_cast<unsigned>(*n);
  return 4;
}

unsigned queue_bound(unsigned limit, unsigned configured) { return configured != 0 ? configured : 4 * limit; }

std::optional<std::chrono::milliseconds> idle_timeout_of(const boost::json::object& options) {
  auto minutes = number_of(options, "idle_timeout");
  if (!minutes || !(*minutes > 0)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*minutes * 60000.0)));
}

std::optional<sched_time> idle_deadline(const sched_entry& entry, std::optional<std::chrono::milliseconds> idle) {
  if (!idle || entry.state != sched_state::running) return std::nullopt;
  if (entry.in_flight > 0 || !entry.queue.empty()) return std::nullopt;
  return entry.last_used + *idle;
}

unsigned retry_after_seconds(unsigned queue_length, unsigned limit) {
  unsigned per_slot = limit == 0 ? queue_length : queue_length / limit;
  return std::clamp(per_slot + 1, 1u, 60u);
}

sched_entry& sched_book::entry(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) it = entries_.emplace(std::string(name), sched_entry{}).first;
  return it->second;
}

const sched_entry* sched_book::find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

void sched_book::erase(std::string_view name) {
  auto it = entries_.find(name);
  if (it != entries_.end()) entries_.erase(it);
}

admit_result sched_book::admit(std::string_view name, unsigned limit, unsigned max_queue) {
  auto& e = entry(name);
  if (e.in_flight < limit && e.queue.empty()) {
    ++e.in_flight;
    return {admit_kind::run, 0};
  }
  if (e.queue.size() >= max_queue) return {admit_kind::rejected, 0};
  auto ticket = next_ticket_++;
  e.queue.push_back(ticket);
  return {admit_kind::queued, ticket};
}

std::optional<std::uint64_t> sched_book::release(std::string_view name, sched_time now, unsigned limit) {
  auto& e = entry(name);
  if (e.in_flight > 0) --e.in_flight;
  e.last_used = std::max(e.last_used, now);
  if (!e.queue.empty() && e.in_flight < limit) {
    auto ticket = e.queue.front();
    e.queue.pop_front();
    ++e.in_flight;
    return ticket;
  }
  return std::nullopt;
}

bool sched_book::cancel(std::string_view name, std::uint64_t ticket) {
  auto& e = entry(name);
  auto it = std::find(e.queue.begin(), e.queue.end(), ticket);
  if (it == e.queue.end()) return false;
  e.queue.erase(it);
  return true;
}

void sched_book::touch(std::string_view name, sched_time now) {
  auto& e = entry(name);
  e.last_used = std::max(e.last_used, now);
}

void sched_book::set_state(std::string_view name, sched_state state) { entry(name).state = state; }

unsigned sched_book::active_count(std::string_view except) const {
  unsigned n = 0;
  for (const auto& [name, e] : entries_) {
    if (name == except) continue;
    if (e.state == sched_state::loading || e.state == sched_state::running) ++n;
  }
  return n;
}

std::optional<std::string> sched_book::pick_eviction_victim(std::string_view except) const {
  const std::string* best = nullptr;
  sched_time best_time{};
  for (const auto& [name, e] : entries_) {
    if (name == except || e.state != sched_state::running) continue;
    if (e.in_flight > 0 || !e.queue.empty()) continue;
    if (best == nullptr || e.last_used < best_time) {
      best = &name;
      best_time = e.last_used;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

bool sched_book::busy_candidate_exists(std::string_view except) const {
  for (const auto& [name, e] : entries_) {
    if (name == except || e.state != sched_state::running) continue;
    if (e.in_flight > 0 || !e.queue.empty()) return true;
  }
  return false;
}

}  // namespace studio::supervisor
