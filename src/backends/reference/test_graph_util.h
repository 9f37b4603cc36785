// Test helpers: build tiny graphs by hand and run them on the reference backend.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/backend.h"
#include "backends/reference/reference_backend.h"
#include "ir/graph.h"

namespace edgebench::ref::testing {

inline QuantParams per_tensor(float scale, int64_t zero_point) {
  QuantParams q;
  q.scales = {scale};
  q.zero_points = {zero_point};
  return q;
}

inline QuantParams per_channel(std::vector<float> scales, int axis) {
  QuantParams q;
  q.zero_points.assign(scales.size(), 0);
  q.scales = std::move(scales);
  q.axis = axis;
  return q;
}

class GraphBuilder {
 public:
  // A graph input.
  int input(DType t, Shape s, QuantParams q = {}) {
    const int id = tensor(t, std::move(s), std::move(q));
    g_.inputs.push_back(id);
    return id;
  }
  // A tensor produced by a node.
  int tensor(DType t, Shape s, QuantParams q = {}) {
    Tensor x;
    x.name = "t";  // appended, not `"t" + ...`: avoids a GCC 12 -Wrestrict false positive
    x.name += std::to_string(g_.tensors.size());
    x.dtype = t;
    x.shape = std::move(s);
    x.quant = std::move(q);
    return g_.add_tensor(std::move(x));
  }
  // A constant holding `values`.
  template <typename T>
  int constant(DType t, Shape s, const std::vector<T>& values, QuantParams q = {}) {
    const int id = tensor(t, std::move(s), std::move(q));
    g_.tensor(id).data = make_owned_const(values);
    return id;
  }
  void node(OpType op, std::vector<int> inputs, int output, Attrs attrs = NoAttrs{}) {
    Node n;
    n.op = op;
    n.name = op_name(op);
    n.name += '_';
    n.name += std::to_string(g_.nodes.size());
    n.inputs = std::move(inputs);
    n.outputs = {output};
    n.attrs = std::move(attrs);
    g_.nodes.push_back(std::move(n));
  }
  // Marks the outputs and verifies the graph.
  Graph build(std::vector<int> outputs) {
    g_.outputs = std::move(outputs);
    g_.source = "test";
    g_.format = "builtin";
    verify(g_);
    return g_;
  }

 private:
  Graph g_;
};

template <typename T>
std::vector<std::byte> to_bytes(const std::vector<T>& v) {
  std::vector<std::byte> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Runs `g` (one output) on the reference backend; returns the output elements.
template <typename Out>
std::vector<Out> run_bytes(const Graph& g, const std::vector<std::vector<std::byte>>& inputs) {
  auto model = make_reference_backend()->compile(g, BackendOptions{});
  std::vector<const void*> in;
  for (const auto& b : inputs) in.push_back(b.data());
  const Tensor& y = g.tensor(g.outputs.at(0));
  std::vector<Out> out(static_cast<size_t>(y.elements()));
  EXPECT_EQ(out.size() * sizeof(Out), y.bytes());
  std::vector<void*> outs = {out.data()};
  model->run(in, outs);
  return out;
}

template <typename Out, typename In>
std::vector<Out> run(const Graph& g, const std::vector<In>& input) {
  return run_bytes<Out>(g, {to_bytes(input)});
}

template <typename Out, typename In1, typename In2>
std::vector<Out> run(const Graph& g, const std::vector<In1>& a, const std::vector<In2>& b) {
  return run_bytes<Out>(g, {to_bytes(a), to_bytes(b)});
}

// Deterministic pseudo-random values in [lo, hi].
template <typename T>
std::vector<T> random_values(size_t n, double lo, double hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<T> v(n);
  for (T& x : v) {
    const double u = std::uniform_real_distribution<double>(lo, hi)(rng);
    if constexpr (std::is_floating_point_v<T>)
      x = static_cast<T>(u);
    else
      x = static_cast<T>(std::lround(u));
  }
  return v;
}

// Widens int8/uint8 vectors so gtest prints numbers, not characters.
template <typename T>
std::vector<int> ints(const std::vector<T>& v) {
  return std::vector<int>(v.begin(), v.end());
}

}  // namespace edgebench::ref::testing
