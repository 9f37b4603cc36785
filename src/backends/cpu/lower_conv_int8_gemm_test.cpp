// Quantized convolutions of awkward geometry on the cpu backend (the int8
// GEMM with its im2col, or oneDNN's int8 convolution where the CPU has no
// VNNI) against the reference backend, byte for byte: first-layer RGB with
// stride 2, channels not a multiple of 4, 1x7 / 7x1 with their padding,
// dilation, asymmetric padding, pointwise layers small enough to be split by
// channel blocks, blocks of 16, 32 and 48 whole channels (stored packed) and
// of partial vectors; uint8 with weight zero points (the window-sum correction)
// and int8 per-channel, and each activation type with the other's weights
// (ONNX Runtime's uint8 x int8 among them); fixed-point and float
// requantization; 1 and 2 threads.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;
using ref::testing::random_values;

struct QConv {
  int h, w, cin, cout, kh, kw, stride, dilation;
  Padding2D pad;
  ActivationKind act = ActivationKind::kNone;
};

int64_t out_dim(int64_t in, int k, int s, int d, int pa, int pb) {
  return (in + pa + pb - ((k - 1) * d + 1)) / s + 1;
}

// Activations of type t; uint8 weights per tensor with zero point 131, int8
// weights per channel.
Graph quantized_conv(const QConv& c, DType t, DType wt, unsigned seed) {
  GraphBuilder b;
  const bool u8 = t == DType::kU8;
  const float xs = 0.05f, ys = 0.2f;
  const int x = b.input(t, {1, c.h, c.w, c.cin}, ref::testing::per_tensor(xs, u8 ? 120 : -3));
  const auto count = static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin;
  int w;
  std::vector<float> wscale(static_cast<size_t>(c.cout));
  if (wt == DType::kU8) {
    w = b.constant(wt, {c.cout, c.kh, c.kw, c.cin}, random_values<uint8_t>(count, 0, 255, seed),
                   ref::testing::per_tensor(0.01f, 131));
    wscale.assign(wscale.size(), 0.01f);
  } else {
    for (size_t i = 0; i < wscale.size(); ++i)
      wscale[i] = 0.004f + 0.001f * static_cast<float>(i % 7);
    w = b.constant(wt, {c.cout, c.kh, c.kw, c.cin}, random_values<int8_t>(count, -127, 127, seed),
                   ref::testing::per_channel(wscale, 0));
  }
  std::vector<float> bscale(wscale.size());
  for (size_t i = 0; i < bscale.size(); ++i) bscale[i] = xs * wscale[i];
  const int bias =
      b.constant(DType::kI32, {c.cout},
                 random_values<int32_t>(static_cast<size_t>(c.cout), -3000, 3000, seed + 1),
                 ref::testing::per_channel(bscale, 0));
  const int y =
      b.tensor(t,
               {1, out_dim(c.h, c.kh, c.stride, c.dilation, c.pad.top, c.pad.bottom),
                out_dim(c.w, c.kw, c.stride, c.dilation, c.pad.left, c.pad.right), c.cout},
               ref::testing::per_tensor(ys, u8 ? 100 : 7));
  Conv2DAttrs a;
  a.stride_h = a.stride_w = c.stride;
  a.dilation_h = a.dilation_w = c.dilation;
  a.pad = c.pad;
  a.act = make_activation(c.act);
  b.node(OpType::kConv2D, {x, w, bias}, y, a);
  return b.build({y});
}

TEST(LowerConvInt8Gemm, AwkwardGeometriesMatchTheReferenceExactly) {
  const std::vector<QConv> cases = {
      {15, 17, 3, 32, 3, 3, 2, 1, {1, 1, 1, 1}, ActivationKind::kRelu6},  // first layer
      {9, 10, 5, 70, 3, 3, 1, 1, {1, 1, 1, 1}},                           // in_c 5, 70 out
      {9, 11, 8, 20, 1, 7, 1, 1, {0, 3, 0, 3}, ActivationKind::kRelu},    // 1x7
      {11, 9, 8, 20, 7, 1, 1, 1, {3, 0, 3, 0}},                           // 7x1
      {10, 10, 12, 16, 3, 3, 1, 2, {2, 2, 2, 2}},                         // dilation 2
      {12, 13, 16, 24, 5, 5, 2, 1, {1, 2, 2, 1}},                         // asymmetric padding
      {7, 7, 6, 17, 1, 1, 1, 1, {0, 0, 0, 0}},                            // 1x1, in_c 6: im2col
      {7, 7, 16, 130, 1, 1, 1, 1, {0, 0, 0, 0}},                          // channel-block split
      {5, 4, 64, 200, 1, 1, 1, 1, {0, 0, 0, 0}, ActivationKind::kRelu},   // 20 rows, 4 blocks
      {6, 5, 8, 112, 1, 1, 1, 1, {0, 0, 0, 0}},  // blocks of 64 and 48 channels
      {6, 5, 8, 16, 1, 1, 1, 1, {0, 0, 0, 0}},   // one block of 16
  };
  unsigned seed = 11;
  const DType u8 = DType::kU8, i8 = DType::kI8;
  const std::pair<DType, DType> types[] = {{u8, u8}, {i8, i8}, {u8, i8}, {i8, u8}};
  for (const QConv& c : cases)
    for (const auto& [t, wt] : types) {
      Graph g = quantized_conv(c, t, wt, seed++);
      const auto in = testing::make_inputs(g, seed);
      for (Requantization rq : {Requantization::kFixedPoint, Requantization::kFloat}) {
        // TFLite has no uint8 convolution with per-channel weights.
        if (t == u8 && wt == i8 && rq == Requantization::kFixedPoint) continue;
        g.requantization = rq;
        const auto want = testing::run_backend(g, "reference", in);
        for (int threads : {1, 2}) {
          const auto got = testing::run_backend(g, "cpu", in, threads);
          EXPECT_EQ(got[0], want[0])
              << c.kh << "x" << c.kw << " stride " << c.stride << ", in " << c.h << "x" << c.w
              << "x" << c.cin << " -> " << c.cout << ", " << dtype_name(t) << " x "
              << dtype_name(wt) << ", " << threads << " threads"
              << (rq == Requantization::kFloat ? ", float requantization" : "");
        }
      }
    }
}

}  // namespace
}  // namespace edgebench::cpu
