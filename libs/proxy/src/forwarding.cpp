// Header rules and the upstream request built from a client request.
#include "studio/proxy/forwarding.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <array>

namespace studio::proxy {
namespace bhttp = boost::beast::http;
namespace {

// Sizes first: most names differ in length, and the case-insensitive compare
// is an out-of-line call (this runs for every header of every request).
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && boost::beast::iequals(a, b);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Is `name` one of the comma-separated tokens of a Connection header?
bool named_in_connection(std::string_view name, std::string_view tokens) {
  while (!tokens.empty()) {
    auto comma = tokens.find(',');
    if (iequals(trim(tokens.substr(0, comma)), name)) return true;
    if (comma == std::string_view::npos) break;
    tokens.remove_prefix(comma + 1);
  }
  return false;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(n, name); });
}

// The same rules by Beast's code for a header name, which a parsed message
// already holds for every field: a switch instead of comparing the name with
// each listed one (this runs for every header of every proxied request).
// Names Beast has no code for take the string rules.
bool hop_by_hop_field(bhttp::field f) {
  switch (f) {
    case bhttp::field::connection:
    case bhttp::field::keep_alive:
    case bhttp::field::proxy_connection:
    case bhttp::field::proxy_authenticate:
    case bhttp::field::proxy_authorization:
    case bhttp::field::te:
    case bhttp::field::trailer:
    case bhttp::field::transfer_encoding:
    case bhttp::field::upgrade:
      return true;
    default:
      return false;
  }
}

// Besides hop-by-hop ones: going up, the fields the proxy sets itself (Host,
// Content-Length, Expect, and its own Authorization instead of the client's);
// coming back, those the session sets.
bool request_field_set_by_proxy(bhttp::field f) {
  return f == bhttp::field::host || f == bhttp::field::content_length || f == bhttp::field::expect ||
         f == bhttp::field::authorization;
}
bool response_field_set_by_session(bhttp::field f) {
  return f == bhttp::field::content_length || f == bhttp::field::content_type || f == bhttp::field::server;
}

// A client request header going up: names without a code go by name.
bool forward_request_field(bhttp::field f, std::string_view name, std::string_view connection_tokens) {
  if (f == bhttp::field::unknown) return forward_request_header(name, connection_tokens);
  return !hop_by_hop_field(f) && !named_in_connection(name, connection_tokens) &&
         !request_field_set_by_proxy(f);
}

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  return one_of(name, {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                       "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"});
}

bool forward_request_header(std::string_view name, std::string_view connection_tokens) {
  if (is_hop_by_hop(name) || named_in_connection(name, connection_tokens)) return false;
  return !one_of(name, {"host", "content-length", "expect", "authorization", "x-api-key"});
}

bool forward_response_header(std::string_view name, std::string_view connection_tokens) {
  if (is_hop_by_hop(name) || named_in_connection(name, connection_tokens)) return false;
  return !one_of(name, {"content-length", "content-type", "server"});
}

std::string upstream_request_head(const http::request& client, const upstream& up, std::string_view target,
                                  std::size_t body_size) {
  std::string out;
  out.reserve(320 + target.size() + up.bearer_key.size());
  out += client.method_string();
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  const std::string_view tokens = client[bhttp::field::connection];
  for (const auto& field : client) {
    if (!forward_request_field(field.name(), field.name_string(), tokens)) continue;
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "Host: ";
  out += up.host;
  out += ':';
  out += std::to_string(up.port);
  out += "\r\n";
  if (!up.bearer_key.empty()) {
    out += "Authorization: Bearer ";
    out += up.bearer_key;
    out += "\r\n";
  }
  const auto method = client.method();
  if (body_size > 0 || method == bhttp::verb::post || method == bhttp::verb::put ||
      method == bhttp::verb::patch) {
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
  out += "\r\n";  // HTTP/1.1: keep-alive unless a side says close
  return out;
}

bool forward_response_field(bhttp::field f, std::string_view name) {
  if (f == bhttp::field::unknown) return forward_response_header(name, {});
  return !hop_by_hop_field(f) && !response_field_set_by_session(f);
}

void drop_connection_named(http::header_list& headers, std::string_view connection_tokens) {
  if (connection_tokens.empty()) return;
  std::erase_if(headers, [&](const auto& h) { return named_in_connection(h.first, connection_tokens); });
}

}  // namespace studio::proxy
