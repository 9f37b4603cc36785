// Per-layer sensitivity of a quantized graph: the SQNR of each int8 layer's
// output (dequantized) against the float graph's value of the same tensor,
// both graphs fed the same calibration inputs. The error is end to end up to
// that layer (it includes what earlier layers lost), as a user sees it.
//   SQNR = 10 log10( sum x^2 / sum (x - dequant(q))^2 )  over all images
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/quantize/quantize_graph.h"

namespace edgebench::passes::quantize {

struct LayerSqnr {
  std::string node, op;
  double sqnr_db = 0;  // +inf when exact
};

struct SensitivityOptions {
  std::string backend = "cpu";
  int threads = 1;
};

// Sorted worst (lowest SQNR) first.
std::vector<LayerSqnr> layer_sqnr(const Graph& float_graph, const QuantizeResult& quantized,
                                  const std::vector<std::vector<std::byte>>& inputs,
                                  const SensitivityOptions& opt = {});

// TFLite names a fused node "a;b;c..." after every op it absorbed: the first
// part names the layer, short enough for a table.
std::string display_name(const std::string& node);

// "| rank | node | operator | SQNR dB |" for the first `rows` layers.
std::string sqnr_table(const std::vector<LayerSqnr>& layers, size_t rows);
nlohmann::json sqnr_json(const std::vector<LayerSqnr>& layers);

}  // namespace edgebench::passes::quantize
