// instance_registry: named instances and the shutdown of all of them.
#include "studio/supervisor/instance_registry.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace studio::supervisor {
namespace net = boost::asio;

llama_instance& instance_registry::add(instance_settings settings) {
  auto name = settings.name;
  if (instances_.contains(name)) throw std::invalid_argument("instance '" + name + "' exists already");
  auto instance = std::make_unique<llama_instance>(executor_, std::move(settings));
  auto& ref = *instance;
  instances_.emplace(std::move(name), std::move(instance));
  return ref;
}

llama_instance* instance_registry::find(std::string_view name) {
  auto it = instances_.find(name);
  return it == instances_.end() ? nullptr : it->second.get();
}

std::vector<std::string> instance_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, instance] : instances_) out.push_back(name);
  return out;
}

bool instance_registry::model_in_use(const std::filesystem::path& model) const {
  for (const auto& [name, instance] : instances_) {
    if (instance->uses_model(model)) return true;
  }
  return false;
}

std::vector<unsigned short> instance_registry::ports_in_use() const {
  std::vector<unsigned short> out;
  for (const auto& [name, instance] : instances_) out.push_back(instance->port());
  return out;
}

net::awaitable<bool> instance_registry::remove(std::string name) {
  auto it = instances_.find(name);
  if (it == instances_.end()) co_return false;
  auto* instance = it->second.get();
  removed_.push_back(std::move(it->second));
  instances_.erase(it);
  co_await instance->shutdown();
  co_return true;
}

net::awaitable<void> instance_registry::shutdown_all() {
  using op_type = decltype(net::co_spawn(executor_, std::declval<net::awaitable<void>>(), net::deferred));
  std::vector<op_type> ops;
  for (auto& [name, instance] : instances_)
    ops.push_back(net::co_spawn(executor_, instance->shutdown(), net::deferred));
  if (ops.empty()) co_return;
  co_await net::experimental::make_parallel_group(std::move(ops))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
}

}  // namespace studio::supervisor
