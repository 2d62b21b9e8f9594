// The Boost.Asio implementation, compiled exactly once (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
