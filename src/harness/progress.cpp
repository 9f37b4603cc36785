#include "harness/progress.h"

#include <unistd.h>

#include <cstdio>

namespace edgebench {

Progress::Progress(std::string what, int64_t total, bool quiet)
    : what_(std::move(what)), total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {
  start_ = last_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t done, const std::string& extra) {
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  // Terminal: redraw a few times a second. Log: a line every 5 s.
  auto period = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_ < period) return;
  last_ = now;
  print(done, extra, false);
}

void Progress::finish(const std::string& extra) {
  if (quiet_) return;
  print(total_, extra, true);
}

void Progress::print(int64_t done, const std::string& extra, bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  char line[256];
  std::snprintf(line, sizeof line, "%s %lld/%lld  %.1f/s  ETA %.0fs%s%s", what_.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), rate,
                final ? 0.0 : eta, extra.empty() ? "" : "  ", extra.c_str());
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
  else std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
  last_done_ = done;
}

}  // namespace edgebench
