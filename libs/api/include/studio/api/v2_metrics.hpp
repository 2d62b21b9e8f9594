// The /api/v2/metrics body (seed 003) from a system snapshot. Pure.
#pragma once

#include "studio/sysinfo/system_sampler.hpp"

#include <boost/json/object.hpp>

namespace studio::api {

boost::json::object metrics_json(const sysinfo::system_snapshot& snapshot);

}  // namespace studio::api
