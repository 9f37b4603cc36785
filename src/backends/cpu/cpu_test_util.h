// Test helpers for the cpu backend: run a graph on a named backend and compare
// float outputs with the reference backend's.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "ir/graph.h"

namespace edgebench::cpu::testing {

// Deterministic synthetic inputs: uniform in [-1, 1] for floats, all bytes for integers.
inline std::vector<std::vector<std::byte>> make_inputs(const Graph& g, unsigned seed = 7) {
  std::vector<std::vector<std::byte>> in;
  std::mt19937 rng(seed);
  for (int id : g.inputs) {
    const Tensor& t = g.tensor(id);
    std::vector<std::byte> b(t.bytes());
    if (t.dtype == DType::kF32) {
      std::uniform_real_distribution<float> d(-1.f, 1.f);
      for (size_t i = 0; i < b.size() / 4; ++i) {
        const float v = d(rng);
        std::memcpy(b.data() + 4 * i, &v, 4);
      }
    } else {
      for (auto& x : b) x = static_cast<std::byte>(rng() & 0xff);
    }
    in.push_back(std::move(b));
  }
  return in;
}

// Runs the graph once; returns the bytes of every output.
inline std::vector<std::vector<std::byte>> run_backend(
    const Graph& g, const std::string& backend, const std::vector<std::vector<std::byte>>& in,
    int threads = 1, const std::string& precision = "fp32", const std::string& layout = "auto") {
  BackendOptions opt;
  opt.threads = threads;
  opt.precision = precision;
  opt.layout = layout;
  auto model = make_backend(backend)->compile(g, opt);
  std::vector<const void*> ins;
  for (const auto& b : in) ins.push_back(b.data());
  std::vector<std::vector<std::byte>> out;
  std::vector<void*> outs;
  for (int id : g.outputs) out.emplace_back(g.tensor(id).bytes());
  for (auto& b : out) outs.push_back(b.data());
  model->run(ins, outs);
  return out;
}

// The cpu backend compiled once per thread count (fixture tests run each input
// through every one).
inline std::vector<std::unique_ptr<CompiledModel>> cpu_models(const Graph& g,
                                                              std::vector<int> threads = {1, 2}) {
  std::vector<std::unique_ptr<CompiledModel>> models;
  for (int t : threads) {
    BackendOptions opt;
    opt.threads = t;
    models.push_back(make_backend("cpu")->compile(g, opt));
  }
  return models;
}

// "input_07.npy" and friends: a fixture file of a numbered input.
inline std::string fixture_file(const std::string& prefix, int i) {
  char stem[16];
  std::snprintf(stem, sizeof stem, "%02d", i);
  return prefix + stem + ".npy";
}

inline std::vector<float> as_floats(const std::vector<std::byte>& b) {
  std::vector<float> f(b.size() / 4);
  std::memcpy(f.data(), b.data(), f.size() * 4);
  return f;
}

// max |got - want| / max(max |want|, tiny): the error relative to the output's scale.
inline double relative_error(const std::vector<float>& got, const std::vector<float>& want) {
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(got[i]) != std::isnan(want[i])) return INFINITY;
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(got[i] - want[i])));
    max_ref = std::max(max_ref, static_cast<double>(std::fabs(want[i])));
  }
  return max_diff / std::max(max_ref, 1e-30);
}

// A convolution's (or pool's) output extent: `in` padded by pa and pb, a
// window of k taps dilated by d, stride s.
inline int64_t out_dim(int64_t in, int k, int s, int pa, int pb, int d = 1) {
  return (in + pa + pb - ((k - 1) * d + 1)) / s + 1;
}

// The kernel of each node of `g` compiled on the cpu backend.
inline std::vector<std::string> cpu_kernel_names(const Graph& g, int threads,
                                                 const std::string& layout = "auto") {
  BackendOptions opt;
  opt.threads = threads;
  opt.layout = layout;
  return make_backend("cpu")->compile(g, opt)->kernel_names();
}

// Runs `g` on the cpu backend and on the reference backend; checks every f32
// output within `tol` (relative to its scale).
inline void expect_matches_reference(const Graph& g, double tol = 1e-4, int threads = 1,
                                     const std::string& layout = "auto") {
  const auto in = make_inputs(g);
  const auto want = run_backend(g, "reference", in);
  const auto got = run_backend(g, "cpu", in, threads, "fp32", layout);
  for (size_t i = 0; i < want.size(); ++i) {
    if (g.tensor(g.outputs[i]).dtype == DType::kF32) {
      EXPECT_LE(relative_error(as_floats(got[i]), as_floats(want[i])), tol) << "output " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "output " << i;
    }
  }
}

}  // namespace edgebench::cpu::testing
