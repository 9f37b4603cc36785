// Progress of long work on stderr: done/total, rate, ETA and a running figure.
// Redraws one line on a terminal; prints plain periodic lines otherwise (logs, CI).
#pragma once

#include <chrono>
#include <string>

namespace edgebench {

class Progress {
 public:
  Progress(std::string what, int64_t total, bool quiet);
  // `extra` is appended, e.g. "top-1 0.873".
  void update(int64_t done, const std::string& extra = "");
  void finish(const std::string& extra = "");

 private:
  void print(int64_t done, const std::string& extra, bool final);
  std::string what_;
  int64_t total_;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
  int64_t last_done_ = -1;
};

}  // namespace edgebench
