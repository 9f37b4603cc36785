// The study's three architectures, built in code with seeded random weights
// (batch norm folded into biases), for `edgebench zoo`: speed and memory on any
// machine without model files. Accuracy is meaningless (random weights).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgebench {

Graph build_mobilenet_v1(float width = 1.0f, int resolution = 224);
Graph build_mobilenet_v2(int resolution = 224);
Graph build_inception_v3();

struct ZooEntry {
  std::string name;     // "mobilenet_v1", "mobilenet_v2", "inception_v3"
  std::string display;  // as the study names it
  Graph (*build)();
};
const std::vector<ZooEntry>& zoo_models();

}  // namespace edgebench
