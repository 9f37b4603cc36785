// A run's results as JSON (the keys scripts rely on), CSV and a Markdown table
// with the study's columns.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run.h"

namespace edgebench {

nlohmann::json metrics_json(const Metrics& m);
nlohmann::json machine_json();
nlohmann::json run_json(const RunResult& r, bool per_image = true);
std::string run_csv_header();
std::string run_csv_row(const RunResult& r);
// | model | backend | precision | top-1 | top-5 | MiB | load s | time s | avg inf ms | p50 | p99 | FPS(inf) | FPS | FPS(wall) |
std::string run_markdown(const RunResult& r);

}  // namespace edgebench
