// Calibration: run the float graph on sample inputs and record, for every
// activation tensor, the real range a quantized model should represent.
//
// Every activation is observed at once by compiling a copy of the graph whose
// outputs are all its float activation tensors (graph inputs included).
// Percentile and entropy need histograms bounded by the final |x| maximum, so
// those methods run the inputs twice (ranges, then histograms).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/quantize/range_methods.h"

namespace edgebench::passes::quantize {

// Calibrated ranges by activation key (see activation_keys()).
using RangeTable = std::map<std::string, RealRange>;

// A stable name for each tensor id: its name, or "name#id" when another tensor
// has the same name. Keys survive re-importing the same model, so a cached
// table applies to it again.
std::vector<std::string> activation_keys(const Graph& g);

// The f32 tensors calibration observes: graph inputs and node outputs.
std::vector<int> float_activations(const Graph& g);

struct CalibrateOptions {
  CalibMethod method = CalibMethod::kEntropy;
  double percentile = 99.99;
  std::string backend = "cpu";  // float runs: the fast backend when built
  int threads = 1;
};

// One buffer per image for the graph's single input (its dtype and shape).
RangeTable calibrate(const Graph& g, const std::vector<std::vector<std::byte>>& inputs,
                     const CalibrateOptions& opt);

}  // namespace edgebench::passes::quantize
