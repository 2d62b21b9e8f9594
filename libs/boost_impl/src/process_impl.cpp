// The Boost.Process v2 implementation, compiled exactly once (BOOST_PROCESS_V2_SEPARATE_COMPILATION).
// Boost 1.81's posix/default_launcher.hpp uses asio::detail::throw_error without including it.
#include <boost/asio/detail/throw_error.hpp>
#include <boost/process/v2/src.hpp>
