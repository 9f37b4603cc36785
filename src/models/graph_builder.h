// Small helper to build float IR graphs in code (built-in zoo models, tests).
// Weights are drawn from a seeded generator, so a model is the same on every machine.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "ir/graph.h"

namespace edgebench {

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name, uint32_t seed = 1234);

  int input(const Shape& nhwc, const std::string& name = "input");
  // Convolution with folded batch norm (bias) and a fused activation.
  // He-normal weights scaled by `gain` (1 keeps ReLU activations at unit scale).
  int conv(int x, int out_ch, int kh, int kw, int stride, int pad_h, int pad_w,
           ActivationKind act, float gain = 1.0f, int stride_w = 0);
  int depthwise(int x, int k, int stride, int pad, ActivationKind act);
  int fully_connected(int x, int out, float gain = 1.0f);
  int add(int a, int b);
  int avg_pool(int x, int k, int stride, int pad, bool count_include_pad);
  int max_pool(int x, int k, int stride, int pad);
  int global_avg_pool(int x);  // Mean over H, W (keep dims)
  int reshape(int x, const Shape& shape);
  int softmax(int x);
  int concat(const std::vector<int>& xs, int axis);
  Graph finish(const std::vector<int>& outputs);  // verifies

  const Shape& shape(int id) const { return g_.tensor(id).shape; }

 private:
  int activation(const Shape& s);
  int constant(const Shape& s, std::vector<float> values, const std::string& name);
  int node(OpType op, std::vector<int> inputs, const Shape& out_shape, Attrs attrs);
  Graph g_;
  std::mt19937 rng_;
  int counter_ = 0;
};

}  // namespace edgebench
