// server_state: derived sizes (slots, context) from the options.
#include "server_state.hpp"

#include "log.hpp"

namespace studio::fake {

server_state::server_state(boost::asio::any_io_executor ex, server_options opts, knobs kn)
    : executor(ex),
      options(std::move(opts)),
      knob(std::move(kn)),
      model_name(options.alias.empty() ? options.model : options.alias),
      n_slots(options.parallel > 0 ? options.parallel : 4),
      n_ctx(options.ctx_size > 0 ? options.ctx_size : model_facts::n_ctx_train),
      n_ctx_slot(options.parallel > 0 ? n_ctx / n_slots : n_ctx),
      slots(ex, n_slots, [] { log_line("srv  update_slots: all slots are idle"); }) {}

}  // namespace studio::fake
