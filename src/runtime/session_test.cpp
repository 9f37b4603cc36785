// A session keeps the model's description; the constants' bytes belong to the
// compiled model, which may drop those it packed (weights held once, not twice).
#include "runtime/session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "exporters/onnx/onnx_exporter.h"
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

// A model file loaded with a cache folder: the first load writes its packed
// weights there, the next one maps them and computes the same outputs; a
// model file that changes (here: only its modification time) gets a cache
// file of its own.
TEST(Session, ACacheFolderKeepsPackedWeightsPerModelFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "edgebench_session_cache";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = (dir / "mobilenet.onnx").string();
  export_onnx(build_mobilenet_v1(0.5f, 128), model);
  SessionOptions o;
  o.backend = "cpu";
  o.backend_options.threads = 1;
  const std::vector<float> want = run_once(*Session::load(model, o));
  o.cache_dir = (dir / "cache").string();
  const auto cache_files = [&] {
    return std::distance(fs::directory_iterator(o.cache_dir), fs::directory_iterator());
  };
  EXPECT_EQ(run_once(*Session::load(model, o)), want);
  ASSERT_EQ(cache_files(), 1);
  const auto written = fs::last_write_time(fs::directory_iterator(o.cache_dir)->path());
  EXPECT_EQ(run_once(*Session::load(model, o)), want);
  EXPECT_EQ(fs::last_write_time(fs::directory_iterator(o.cache_dir)->path()), written)
      << "a load that found every weight rewrote the file";
  fs::last_write_time(model, fs::last_write_time(model) + std::chrono::seconds(1));
  EXPECT_EQ(run_once(*Session::load(model, o)), want);
  EXPECT_EQ(cache_files(), 2);
}

}  // namespace
}  // namespace edgebench
