// fill_sampling_defaults: request fields win, saved config fills the rest.
#include "studio/proxy/chat_defaults.hpp"

#include <utility>

namespace studio::proxy {

void fill_sampling_defaults(boost::json::object& body, const boost::json::object& config) {
  static constexpr std::pair<const char*, const char*> fields[] = {
      {"temperature", "temp"}, {"top_p", "top_p"}, {"top_k", "top_k"}, {"repeat_penalty", "repeat_penalty"}};
  for (const auto& [field, key] : fields) {
    const auto* value = config.if_contains(key);
    if (value != nullptr && !body.contains(field)) body[field] = *value;
  }
}

}  // namespace studio::proxy
