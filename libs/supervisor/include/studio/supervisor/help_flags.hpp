// Which flags a llama-server binary accepts, read from its --help text, and the
// check that refuses options whose flag the binary lacks. Pure: no I/O.
//
// llama-server prints one option per line starting at the left margin, its
// names separated by ", " and followed by a value placeholder and the
// description ("-c,    --ctx-size N        size of the prompt context ...");
// wrapped description lines are indented far to the right and are ignored.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace studio::supervisor {

using flag_set = std::set<std::string, std::less<>>;

// Every flag name ("-c", "--ctx-size", ...) that `help_text` lists. Empty when the
// text lists none (not llama-server's help, or an empty output).
flag_set parse_help_flags(std::string_view help_text);

// The first option of `options` that would pass a flag `flags` does not list:
// "option 'x' (flag --y) is not supported by <binary>". Only options that reach
// the child's argv are checked (a boolean false without an off flag passes
// nothing); supervisor, gateway and launch keys never are. nullopt: all supported.
std::optional<std::string> unsupported_option(const boost::json::object& options, const flag_set& flags,
                                              std::string_view binary);

}  // namespace studio::supervisor
