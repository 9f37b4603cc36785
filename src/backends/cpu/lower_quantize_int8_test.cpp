// Quantize of an NCHW float input followed by its Transpose to NHWC (an ONNX
// int8 model's entry): fused into one step when the Transpose alone reads the
// quantized tensor and there are at most 4 channels, byte-exact with the
// reference either way; 1 and 2 threads; plane sizes around the kernel's runs;
// ties rounded to even in graphs with ONNX's requantization.
#include <gtest/gtest.h>

#include <cstring>

#include "backends/cpu/cpu_test_util.h"
#include "backends/reference/test_graph_util.h"

namespace edgebench::cpu {
namespace {

using ref::testing::GraphBuilder;

Graph quantize_then_nhwc(int64_t n, int64_t c, int64_t h, int64_t w, bool u8, bool second_reader) {
  GraphBuilder b;
  const DType t = u8 ? DType::kU8 : DType::kI8;
  const QuantParams q = ref::testing::per_tensor(0.0173f, u8 ? 114 : -9);
  const int x = b.input(DType::kF32, {n, c, h, w});
  const int qx = b.tensor(t, {n, c, h, w}, q);
  b.node(OpType::kQuantize, {x}, qx);
  const int y = b.tensor(t, {n, h, w, c}, q);
  b.node(OpType::kTranspose, {qx}, y, TransposeAttrs{{0, 2, 3, 1}});
  std::vector<int> outputs = {y};
  if (second_reader) outputs.push_back(qx);
  return b.build(outputs);
}

TEST(LowerQuantizeInt8, QuantizeThenTransposeToNhwcIsOneStep) {
  struct Shape4 {
    int64_t n, c, h, w;
  };
  for (const Shape4 s : {Shape4{1, 3, 224, 224}, Shape4{2, 3, 5, 7}, Shape4{1, 1, 64, 65},
                         Shape4{1, 2, 70, 61}, Shape4{1, 4, 9, 9}, Shape4{1, 5, 6, 6}})
    for (bool u8 : {true, false})
      for (bool second_reader : {false, true}) {
        const Graph g = quantize_then_nhwc(s.n, s.c, s.h, s.w, u8, second_reader);
        const auto in = testing::make_inputs(g, 5);
        const auto want = testing::run_backend(g, "reference", in);
        for (int threads : {1, 2}) {
          BackendOptions opt;
          opt.threads = threads;
          auto model = make_backend("cpu")->compile(g, opt);
          const bool fused = s.c <= 4 && !second_reader;
          EXPECT_EQ(model->kernel_names()[1] == "(alias)", fused)
              << model->kernel_names()[0] << " | " << model->kernel_names()[1];
          const auto got = testing::run_backend(g, "cpu", in, threads);
          for (size_t i = 0; i < want.size(); ++i)
            EXPECT_EQ(got[i], want[i])
                << s.n << "x" << s.c << "x" << s.h << "x" << s.w << (u8 ? " uint8" : " int8")
                << ", output " << i << ", " << threads << " threads";
        }
      }
}

// In graphs with ONNX's requantization the quantization rounds ties to even,
// fused with the Transpose or not: inputs on exact halves of the scale.
TEST(LowerQuantizeInt8, OnnxGraphsRoundTiesToEven) {
  for (bool second_reader : {false, true}) {
    Graph g = quantize_then_nhwc(1, 3, 8, 8, /*u8=*/false, second_reader);
    g.requantization = Requantization::kFloat;
    const float scale = 0.125f;  // a power of two: x / scale lands exactly on the halves
    for (Tensor& t : g.tensors)
      if (!t.quant.empty()) t.quant.scales = {scale};
    std::vector<float> x(3 * 8 * 8);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = (static_cast<float>(static_cast<int>(i % 41) - 20) + 0.5f) * scale;
    std::vector<std::vector<std::byte>> in(1, std::vector<std::byte>(x.size() * sizeof(float)));
    std::memcpy(in[0].data(), x.data(), in[0].size());
    const auto want = testing::run_backend(g, "reference", in);
    const auto* planes = reinterpret_cast<const int8_t*>(want.back().data());  // NCHW or NHWC
    for (size_t i = 0; i < x.size(); ++i) {
      const auto q = static_cast<int32_t>(planes[i]) + 9;  // less the zero point -9
      ASSERT_EQ(q % 2, 0) << "element " << i << " -> " << q;
    }
    for (int threads : {1, 2})
      EXPECT_EQ(testing::run_backend(g, "cpu", in, threads), want)
          << (second_reader ? "unfused" : "fused") << ", " << threads << " threads";
  }
}

}  // namespace
}  // namespace edgebench::cpu
