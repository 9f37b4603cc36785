// Convolutions computed over bands of rows (lower_conv_f32_bands.cpp), with
// and without the max pool after them, at 1 and 2 threads, against the
// reference backend; the kernel names say the bands were used. Shapes are
// awkward where they can be: rows that do not divide into bands or tiles,
// padding on one side, a pool window reaching past the last row.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;
using testing::expect_matches_reference;
using testing::out_dim;

constexpr auto kF32 = DType::kF32;

struct Layer {
  int h = 0, w = 0, cin = 0, cout = 0, k = 3, stride = 1;
  Padding2D pad;
  bool pool = false;
  Padding2D pool_pad;
};

Graph layer_graph(const Layer& l) {
  GraphBuilder b;
  const int x = b.input(kF32, {1, l.h, l.w, l.cin});
  const int w = b.constant(
      kF32, {l.cout, l.k, l.k, l.cin},
      random_values<float>(static_cast<size_t>(l.cout * l.k * l.k * l.cin), -0.1, 0.1, 11));
  const int bias = b.constant(kF32, {l.cout}, random_values<float>(l.cout, -0.2, 0.2, 12));
  const int64_t oh = out_dim(l.h, l.k, l.stride, l.pad.top, l.pad.bottom);
  const int64_t ow = out_dim(l.w, l.k, l.stride, l.pad.left, l.pad.right);
  const int y = b.tensor(kF32, {1, oh, ow, l.cout});
  Conv2DAttrs a;
  a.stride_h = a.stride_w = l.stride;
  a.pad = l.pad;
  a.act = make_activation(ActivationKind::kRelu);
  b.node(OpType::kConv2D, {x, w, bias}, y, a);
  if (!l.pool) return b.build({y});
  Pool2DAttrs p;
  p.filter_h = p.filter_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad = l.pool_pad;
  const int z = b.tensor(kF32, {1, out_dim(oh, 3, 2, p.pad.top, p.pad.bottom),
                                out_dim(ow, 3, 2, p.pad.left, p.pad.right), l.cout});
  b.node(OpType::kMaxPool2D, {y}, z, p);
  return b.build({z});
}

// True if a kernel name has `part` ("bands": the node ran in bands).
bool kernel_has(const Graph& g, int threads, const std::string& part) {
  for (const std::string& k : testing::cpu_kernel_names(g, threads))
    if (k.find(part) != std::string::npos) return true;
  return false;
}

bool ran_in_bands(const Graph& g, int threads) {
  return kernel_has(g, threads, " bands");
}

class ConvBands : public ::testing::TestWithParam<int> {};

TEST_P(ConvBands, ConvolutionAndMaxPool) {
  // Outputs of 2 MiB and more are banded with their pool: 101x103x64 f32.
  for (const Layer& l : {Layer{101, 103, 32, 64, 3, 1, {1, 1, 1, 1}, true, {}},
                         Layer{101, 103, 16, 64, 3, 1, {0, 1, 2, 1}, true, {1, 0, 1, 1}},
                         Layer{203, 205, 8, 64, 3, 2, {1, 1, 1, 1}, true, {0, 1, 0, 1}}}) {
    SCOPED_TRACE(std::to_string(l.h) + "x" + std::to_string(l.w) + " stride " +
                 std::to_string(l.stride));
    const Graph g = layer_graph(l);
    EXPECT_TRUE(ran_in_bands(g, GetParam()));
    expect_matches_reference(g, 1e-4, GetParam());
  }
}

TEST_P(ConvBands, WinogradAloneAndSmallPoolsAreNot) {
  // Winograd F(4x4, 3x3) (3x3, stride 1, 64 channels and more, 16x16 and
  // more; oneDNN's F(2x2) variant takes some 64-channel inputs): its tile
  // buffers, 36 x 10 x 10 tiles x 192 channels here, are banded; its rounding
  // differs from the direct sum's in the last places.
  const Graph wino = layer_graph(Layer{38, 37, 96, 96, 3, 1, {1, 1, 1, 1}, false, {}});
  // oneDNN's Winograd needs AVX-512: below it (ONEDNN_MAX_CPU_ISA=AVX2) the
  // direct convolution runs whole.
  EXPECT_EQ(ran_in_bands(wino, GetParam()), kernel_has(wino, GetParam(), "wino"));
  expect_matches_reference(wino, 1e-3, GetParam());
  // A small output stays whole.
  const Graph small = layer_graph(Layer{20, 20, 8, 16, 3, 1, {1, 1, 1, 1}, true, {}});
  EXPECT_FALSE(ran_in_bands(small, GetParam()));
  expect_matches_reference(small, 1e-4, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Threads, ConvBands, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return std::to_string(p.param) + "_threads";
                         });

}  // namespace
}  // namespace edgebench::cpu
