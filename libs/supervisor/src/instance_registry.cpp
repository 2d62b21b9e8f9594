// instance_registry: named instances and the shutdown of all of them. Every
// access to the map takes the mutex; no lock is held across an await.
#include "studio/supervisor/instance_registry.hpp"

#include "studio/supervisor/port_allocator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace studio::supervisor {
namespace net = boost::asio;

llama_instance& instance_registry::add(instance_settings settings) {
  auto name = settings.name;
  auto instance = std::make_unique<llama_instance>(executor_, std::move(settings));
  auto& ref = *instance;
  std::lock_guard lock(mutex_);
  if (instances_.contains(name)) throw std::invalid_argument("instance '" + name + "' exists already");
  instances_.emplace(std::move(name), std::move(instance));
  return ref;
}

llama_instance* instance_registry::find_or_add(instance_settings settings, unsigned short first_port,
                                               unsigned short last_port) {
  std::lock_guard lock(mutex_);
  if (auto it = instances_.find(settings.name); it != instances_.end()) return it->second.get();
  std::vector<unsigned short> used;
  for (const auto& [name, instance] : instances_) used.push_back(instance->port());
  auto port = first_free_port({first_port, last_port}, used);
  if (!port) return nullptr;
  settings.port = *port;
  auto name = settings.name;
  auto instance = std::make_unique<llama_instance>(executor_, std::move(settings));
  auto* ref = instance.get();
  instances_.emplace(std::move(name), std::move(instance));
  return ref;
}

llama_instance* instance_registry::find(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = instances_.find(name);
  return it == instances_.end() ? nullptr : it->second.get();
}

std::vector<std::string> instance_registry::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, instance] : instances_) out.push_back(name);
  return out;
}

bool instance_registry::model_in_use(const std::filesystem::path& model) const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, instance] : instances_) {
    if (instance->uses_model(model)) return true;
  }
  return false;
}

std::vector<unsigned short> instance_registry::ports_in_use() const {
  std::lock_guard lock(mutex_);
  std::vector<unsigned short> out;
  for (const auto& [name, instance] : instances_) out.push_back(instance->port());
  return out;
}

net::awaitable<bool> instance_registry::remove(std::string name) {
  llama_instance* instance = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = instances_.find(name);
    if (it != instances_.end()) {
      instance = it->second.get();
      removed_.push_back(std::move(it->second));
      instances_.erase(it);
    }
  }
  if (instance == nullptr) co_return false;
  co_await instance->shutdown();
  co_return true;
}

net::awaitable<void> instance_registry::shutdown_all() {
  std::vector<llama_instance*> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, instance] : instances_) all.push_back(instance.get());
  }
  using op_type = decltype(net::co_spawn(executor_, std::declval<net::awaitable<void>>(), net::deferred));
  std::vector<op_type> ops;
  for (auto* instance : all) ops.push_back(net::co_spawn(executor_, instance->shutdown(), net::deferred));
  if (ops.empty()) co_return;
  co_await net::experimental::make_parallel_group(std::move(ops))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
}

}  // namespace studio::supervisor
