// The Boost.Beast implementation, compiled exactly once (BOOST_BEAST_SEPARATE_COMPILATION).
#include <boost/beast/src.hpp>
