// llama-server-style log lines on stderr, one write per line.
#pragma once

namespace studio::fake {

// printf-style; a newline is appended.
void log_line(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Writes text as is (no newline), e.g. the dots of the loading progress.
void log_raw(const char* text);

}  // namespace studio::fake
