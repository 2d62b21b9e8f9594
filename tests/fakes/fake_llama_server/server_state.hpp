// Everything the fake's handlers share: options, knobs, slots, counters.
// main() owns the one instance; it lives as long as the io_context runs.
#pragma once

#include "knobs.hpp"
#include "options.hpp"
#include "slot_pool.hpp"
#include "token_model.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <string>

namespace studio::fake {

struct server_metrics {
  std::uint64_t prompt_tokens_total = 0;
  double prompt_seconds_total = 0;
  std::uint64_t tokens_predicted_total = 0;
  double tokens_predicted_seconds_total = 0;
  std::uint64_t n_decode_total = 0;
  std::uint64_t n_busy_slots_total = 0;
};

struct server_state {
  server_state(boost::asio::any_io_executor ex, server_options opts, knobs kn);

  boost::asio::any_io_executor executor;
  server_options options;
  knobs knob;
  std::string model_name;  // alias, else the model path: the default "model" of responses
  int n_slots;
  int n_ctx;       // total context
  int n_ctx_slot;  // per slot (whole context when parallel is auto: kv_unified)
  std::int64_t model_size = 0;
  slot_pool slots;
  server_metrics metrics;
  bool loaded = false;
  int next_task_id = 0;
  int completed_requests = 0;
};

}  // namespace studio::fake
