// Idle keep-alive connections per upstream, with lazy expiry.
#include "studio/proxy/connection_pool.hpp"

#include <algorithm>

namespace studio::proxy {

connection_ptr connection_pool::take(const std::string& key, pool_clock::time_point now) {
  std::vector<connection_ptr> expired;  // closed outside the lock
  connection_ptr found;
  {
    std::lock_guard lock(mutex_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      connection_ptr c = std::move(list.back());
      list.pop_back();
      if (may_reuse(c->requests, c->last_used, now, limits_)) {
        found = std::move(c);
        break;
      }
      expired.push_back(std::move(c));
    }
    // The rest are older still (a list is in the order the connections came
    // back, and only reusable ones come back): the expired ones among them
    // are at its front.
    auto keep = std::find_if(list.begin(), list.end(), [&](const connection_ptr& c) {
      return may_reuse(c->requests, c->last_used, now, limits_);
    });
    std::move(list.begin(), keep, std::back_inserter(expired));
    list.erase(list.begin(), keep);
  }
  return found;
}

void connection_pool::give_back(connection_ptr c, pool_clock::time_point now) {
  c->last_used = now;
  connection_ptr dropped;
  std::lock_guard lock(mutex_);
  auto& list = idle_[c->key];
  if (list.size() >= limits_.max_idle_per_upstream && !list.empty()) {
    dropped = std::move(list.front());
    list.erase(list.begin());
  }
  if (limits_.max_idle_per_upstream > 0) list.push_back(std::move(c));
}

std::size_t connection_pool::idle_count(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(key);
  return it == idle_.end() ? 0 : it->second.size();
}

}  // namespace studio::proxy
