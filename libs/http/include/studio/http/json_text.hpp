// JSON text for API bodies. Like boost::json::serialize, except that doubles
// are written in their shortest plain form ("0.7", not Boost 1.81's "7E-1"),
// as the seeds show them.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace studio::http {

std::string to_json_text(const boost::json::value& value);

}  // namespace studio::http
