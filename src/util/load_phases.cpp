#include "util/load_phases.h"

namespace edgebench {
namespace {

thread_local LoadPhases* current = nullptr;

double seconds_between(LoadPhases::Clock::time_point a, LoadPhases::Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

LoadPhases::LoadPhases() : outer_(current) {
  current = this;
}

LoadPhases::~LoadPhases() {
  current = outer_;
}

void LoadPhases::add(const char* name, double s) {
  for (auto& [n, total] : seconds_)
    if (n == name) {
      total += s;
      return;
    }
  seconds_.emplace_back(name, s);
}

LoadPhase::LoadPhase(const char* name) : name_(name), sink_(current) {
  if (!sink_) return;
  since_ = LoadPhases::Clock::now();
  outer_ = sink_->open_;
  if (outer_) sink_->add(outer_->name_, seconds_between(outer_->since_, since_));  // paused
  sink_->open_ = this;
}

LoadPhase::~LoadPhase() {
  if (!sink_) return;
  const auto now = LoadPhases::Clock::now();
  sink_->add(name_, seconds_between(since_, now));
  sink_->open_ = outer_;
  if (outer_) outer_->since_ = now;  // resumed
}

}  // namespace edgebench
