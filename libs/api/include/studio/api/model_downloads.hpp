// Setting up the download queue from the configuration, and restoring its journal against
// the catalog, for main's wiring.
#pragma once

#include "studio/api/services.hpp"
#include "studio/download/download_job.hpp"

namespace studio::api {

// The queue's options from the gateway's settings ($STUDIO_DIR/llm/downloads.json as journal).
download::queue_options download_options(const gateway_config& config);

// Re-queues the downloads saved in the journal whose files are still in the catalog.
// Needs svc.catalog and svc.downloads. Creates $STUDIO_DIR/llm when missing.
void restore_downloads(services& svc);

}  // namespace studio::api
