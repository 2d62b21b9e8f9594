// The named llama-server instances of the gateway ("admin" for
// /api/admin/llm, later the llamactl instances). Owned by main; the proxy finds
// an instance here for its port and internal key.
//
// Thread-safe (--threads > 1): a mutex guards the map; it is never held
// across an await. Instances are never destroyed before the registry, so a
// pointer from find() stays valid even after remove().
#pragma once

#include "studio/supervisor/llama_instance.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace studio::supervisor {

class instance_registry {
 public:
  explicit instance_registry(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // Creates an instance; throws std::invalid_argument when the name is taken.
  llama_instance& add(instance_settings settings);
  // The instance `settings.name`, or a new one on the lowest port of `range`
  // that no instance uses (chosen under the lock: concurrent callers never share
  // a port). nullptr when the range is full.
  llama_instance* find_or_add(instance_settings settings, unsigned short first_port, unsigned short last_port);
  // nullptr when there is no such instance.
  llama_instance* find(std::string_view name);
  std::vector<std::string> names() const;
  // The ports of every registered instance (see port_allocator.hpp).
  std::vector<unsigned short> ports_in_use() const;
  // Whether any instance's current child uses the model file `model`.
  bool model_in_use(const std::filesystem::path& model) const;
  // Stops every child (SIGTERM -> grace -> SIGKILL, all at once) and refuses new starts.
  boost::asio::awaitable<void> shutdown_all();
  // Unregisters an instance and stops its child (shutdown: later starts are refused).
  // The object stays alive until the registry is destroyed, so a handler that found it
  // before the removal never dangles. False when there is no such instance.
  boost::asio::awaitable<bool> remove(std::string name);
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  boost::asio::any_io_executor executor_;
  mutable std::mutex mutex_;  // guards instances_ and removed_
  std::map<std::string, std::unique_ptr<llama_instance>, std::less<>> instances_;
  std::vector<std::unique_ptr<llama_instance>> removed_;
};

}  // namespace studio::supervisor
