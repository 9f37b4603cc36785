// run() allocates nothing of ours: the global allocator is hooked (this test
// binary's operator new counts while armed) around runs of compiled models.
// Steps of our own (int8 kernels, reference fallbacks, the arena) must not
// allocate at all. oneDNN's primitive execution builds a small argument map per
// call (dnnl_primitive_execute -> exec_ctx_t); those allocations are counted and
// reported separately, and must not grow from run to run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"
#include "models/zoo.h"

// The replacement pairs malloc with free; GCC cannot see that and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> g_armed{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_armed.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_armed.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace edgebench::cpu {
namespace {

// Allocations during `runs` runs of `model`.
long count_allocations(CompiledModel& model, const Graph& g, int runs) {
  const auto in = testing::make_inputs(g);
  std::vector<const void*> ins;
  for (const auto& b : in) ins.push_back(b.data());
  std::vector<std::vector<std::byte>> out;
  for (int id : g.outputs) out.emplace_back(g.tensor(id).bytes());
  std::vector<void*> outs;
  for (auto& b : out) outs.push_back(b.data());
  model.run(ins, outs);  // warm-up: first-touch, lazy library state
  g_allocations = 0;
  g_armed = true;
  for (int i = 0; i < runs; ++i) model.run(ins, outs);
  g_armed = false;
  return g_allocations.load();
}

TEST(CpuAllocations, OwnKernelsAllocateNothing) {
  // A quantized depthwise -> add -> reshape graph runs only our own kernels.
  ref::testing::GraphBuilder b;
  const auto q = ref::testing::per_tensor(0.05f, 128);
  const int x = b.input(DType::kU8, {1, 9, 9, 24}, q);
  const int w =
      b.constant(DType::kU8, {1, 3, 3, 24}, ref::testing::random_values<uint8_t>(216, 0, 255, 1),
                 ref::testing::per_tensor(0.02f, 120));
  const int bias = b.constant(DType::kI32, {24}, std::vector<int32_t>(24, 100),
                              ref::testing::per_tensor(0.001f, 0));
  const int y = b.tensor(DType::kU8, {1, 9, 9, 24}, q);
  Conv2DAttrs a;
  a.pad = {1, 1, 1, 1};
  b.node(OpType::kDepthwiseConv2D, {x, w, bias}, y, a);
  const int s = b.tensor(DType::kU8, {1, 9, 9, 24}, ref::testing::per_tensor(0.08f, 128));
  b.node(OpType::kAdd, {x, y}, s, BinaryAttrs{});
  const int r = b.tensor(DType::kU8, {81, 24}, ref::testing::per_tensor(0.08f, 128));
  b.node(OpType::kReshape, {s}, r);
  const Graph g = b.build({r});
  for (int threads : {1, 2}) {
    BackendOptions opt;
    opt.threads = threads;
    auto model = make_backend("cpu")->compile(g, opt);
    for (const auto& k : model->kernel_names())
      EXPECT_EQ(k.rfind("dnnl:", 0), std::string::npos) << k;
    EXPECT_EQ(count_allocations(*model, g, 10), 0) << threads << " threads";
  }
}

TEST(CpuAllocations, OneDnnPrimitivesAllocateABoundedAmount) {
  const Graph g = build_mobilenet_v2();
  auto model = make_backend("cpu")->compile(g, BackendOptions{});
  const long one = count_allocations(*model, g, 1);
  const long ten = count_allocations(*model, g, 10);
  std::printf(
      "[ allocs   ] mobilenet_v2 f32: %ld allocations per run (oneDNN's execution "
      "argument maps, %zu primitives)\n",
      one, g.nodes.size());
  EXPECT_EQ(ten, 10 * one);  // a fixed number per run: nothing grows or is cached lazily
}

}  // namespace
}  // namespace edgebench::cpu
