// Where a model's load time (file -> ready session) goes. Code that loads marks
// its phases with LoadPhase spans; a LoadPhases collector active on the thread
// (Session::load starts one) sums their wall time by name. Time is exclusive: a
// span opened inside another pauses the outer one, so the phases add up to the
// instrumented part of the load. Without a collector a span costs one branch.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace edgebench {

class LoadPhase;

class LoadPhases {
 public:
  LoadPhases();  // becomes this thread's collector until destroyed
  ~LoadPhases();
  LoadPhases(const LoadPhases&) = delete;
  LoadPhases& operator=(const LoadPhases&) = delete;

  // (phase, seconds) in the order the phases first ran.
  const std::vector<std::pair<std::string, double>>& seconds() const { return seconds_; }

  using Clock = std::chrono::steady_clock;

 private:
  friend class LoadPhase;
  void add(const char* name, double s);

  std::vector<std::pair<std::string, double>> seconds_;
  LoadPhases* outer_;
  LoadPhase* open_ = nullptr;  // innermost running span
};

class LoadPhase {
 public:
  explicit LoadPhase(const char* name);
  ~LoadPhase();
  LoadPhase(const LoadPhase&) = delete;
  LoadPhase& operator=(const LoadPhase&) = delete;

 private:
  const char* name_;
  LoadPhases* sink_;
  LoadPhase* outer_ = nullptr;
  LoadPhases::Clock::time_point since_;
};

}  // namespace edgebench
