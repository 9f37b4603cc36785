// The cpu backend's int8 pooling against the reference kernel: byte for byte,
// over padding, count_include_pad, fused activations, strides, channel counts
// that are not vector multiples, uint8 and int8, 1 and 2 threads.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

struct PoolCase {
  OpType op;
  int k, stride, in_hw, out_hw;
  Padding2D pad;
  bool include_pad;
  ActivationKind act;
};

Graph pool_graph(const PoolCase& c, DType t, int channels) {
  ref::testing::GraphBuilder b;
  const QuantParams q = ref::testing::per_tensor(0.05f, t == DType::kU8 ? 120 : -3);
  const int x = b.input(t, {1, c.in_hw, c.in_hw, channels}, q);
  const int y = b.tensor(t, {1, c.out_hw, c.out_hw, channels}, q);
  Pool2DAttrs a;
  a.filter_h = a.filter_w = c.k;
  a.stride_h = a.stride_w = c.stride;
  a.pad = c.pad;
  a.count_include_pad = c.include_pad;
  a.act = make_activation(c.act);
  b.node(c.op, {x}, y, a);
  return b.build({y});
}

TEST(CpuPoolInt8, BitExactWithReference) {
  const PoolCase cases[] = {
      {OpType::kAveragePool2D, 3, 1, 9, 9, {1, 1, 1, 1}, false, ActivationKind::kNone},
      {OpType::kAveragePool2D, 3, 1, 9, 9, {1, 1, 1, 1}, true, ActivationKind::kNone},
      {OpType::kAveragePool2D, 3, 2, 9, 4, {0, 0, 0, 0}, false, ActivationKind::kRelu6},
      {OpType::kAveragePool2D, 7, 1, 7, 1, {0, 0, 0, 0}, false, ActivationKind::kNone},
      // A 2304-tap window: the float division's exactness bound in use.
      {OpType::kAveragePool2D, 48, 1, 48, 1, {0, 0, 0, 0}, false, ActivationKind::kNone},
      {OpType::kMaxPool2D, 3, 2, 9, 4, {0, 0, 0, 0}, false, ActivationKind::kNone},
      {OpType::kMaxPool2D, 3, 1, 8, 8, {1, 1, 1, 1}, false, ActivationKind::kRelu},
      {OpType::kMaxPool2D, 2, 2, 7, 4, {0, 0, 1, 1}, false, ActivationKind::kNone},
  };
  for (const PoolCase& c : cases) {
    for (DType t : {DType::kU8, DType::kI8}) {
      for (int channels : {1, 17, 70}) {
        const Graph g = pool_graph(c, t, channels);
        const auto in = testing::make_inputs(g);
        const auto want = testing::run_backend(g, "reference", in);
        for (int threads : {1, 2}) {
          const auto got = testing::run_backend(g, "cpu", in, threads);
          EXPECT_EQ(got, want) << op_name(c.op) << " k" << c.k << " s" << c.stride << " "
                               << dtype_name(t) << " c" << channels << " " << threads << " thr";
        }
        auto model = make_backend("cpu")->compile(g, BackendOptions{});
        EXPECT_EQ(model->kernel_names()[0].rfind("cpu:", 0), 0u) << model->kernel_names()[0];
      }
    }
  }
}

}  // namespace
}  // namespace edgebench::cpu
