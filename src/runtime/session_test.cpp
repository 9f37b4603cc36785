// A session keeps the model's description; the constants' bytes belong to the
// compiled model, which may drop those it packed (weights held once, not twice).
#include "runtime/session.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ir/cost.h"
#include "models/zoo.h"

namespace edgebench {
namespace {

std::vector<float> run_once(Session& s) {
  std::vector<float> x(static_cast<size_t>(s.input().elements()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 101) / 50.0f - 1.0f;
  auto out = s.make_output_buffers();
  s.run({x.data()}, out);
  std::vector<float> y(out[0].size() / sizeof(float));
  std::memcpy(y.data(), out[0].data(), out[0].size());
  return y;
}

TEST(Session, KeepsADescriptionAndOwnedGraphsRunLikeCopies) {
  const Graph g = build_mobilenet_v1(0.25f, 128);
  SessionOptions cpu;
  cpu.backend = "cpu";
  cpu.backend_options.threads = 1;
  auto owned = Session::from_graph(g, cpu);  // the session hands its copy over to the backend
  // The description: same tensors, nodes and costs; constants without bytes.
  ASSERT_EQ(owned->graph().tensors.size(), g.tensors.size());
  for (const Tensor& t : owned->graph().tensors) {
    if (t.is_const()) {
      EXPECT_TRUE(t.data.is_released()) << t.name;
    }
  }
  EXPECT_EQ(graph_cost(owned->graph()).weight_bytes, graph_cost(g).weight_bytes);
  EXPECT_EQ(graph_cost(owned->graph()).macs, graph_cost(g).macs);
  // The caller's graph is untouched.
  for (const Tensor& t : g.tensors) {
    if (t.is_const()) {
      EXPECT_FALSE(t.data.is_released()) << t.name;
    }
  }

  SessionOptions ref;
  ref.backend = "reference";
  auto oracle = Session::from_graph(g, ref);
  const std::vector<float> want = run_once(*oracle), got = run_once(*owned);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4f) << i;
}

}  // namespace
}  // namespace edgebench
