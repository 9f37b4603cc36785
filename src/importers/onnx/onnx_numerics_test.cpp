// ONNX importer numerics: convolution variants (depthwise, grouped, SAME/VALID,
// dilated, strided) and the NCHW -> NHWC layout tracking give the numbers a plain NCHW
// computation written here gives, through the reference backend.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "importers/onnx/onnx_importer.h"
#include "importers/onnx/onnx_test_models.h"
#include "runtime/session.h"

namespace edgebench {
namespace {

using namespace onnx_test;

// Plain NCHW convolution: the independent answer for the conv tests below.
std::vector<float> conv_nchw(const std::vector<float>& x, Shape xs, const std::vector<float>& w,
                             Shape ws, const std::vector<float>& b, int group, int stride, int dil,
                             std::array<int, 4> pad /* t,l,b,r */, Shape& ys) {
  const int64_t n = xs[0], c = xs[1], h = xs[2], wd = xs[3], m = ws[0], cpg = ws[1], kh = ws[2],
                kw = ws[3];
  const int64_t oh = (h + pad[0] + pad[2] - ((kh - 1) * dil + 1)) / stride + 1;
  const int64_t ow = (wd + pad[1] + pad[3] - ((kw - 1) * dil + 1)) / stride + 1;
  ys = {n, m, oh, ow};
  std::vector<float> y(static_cast<size_t>(n * m * oh * ow));
  const int64_t mpg = m / group;
  for (int64_t in = 0; in < n; ++in)
    for (int64_t om = 0; om < m; ++om)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = b.empty() ? 0 : b[static_cast<size_t>(om)];
          const int64_t g = om / mpg;
          for (int64_t ic = 0; ic < cpg; ++ic)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t iy = oy * stride - pad[0] + ky * dil, ix = ox * stride - pad[1] + kx * dil;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x[static_cast<size_t>(((in * c + g * cpg + ic) * h + iy) * wd + ix)] *
                       w[static_cast<size_t>(((om * cpg + ic) * kh + ky) * kw + kx)];
              }
          y[static_cast<size_t>(((in * m + om) * oh + oy) * ow + ox)] = static_cast<float>(acc);
        }
  (void)c;
  return y;
}

struct ConvCase {
  const char* name;
  Shape xs, ws;
  int group, stride, dil;
  std::string auto_pad;
  std::array<int, 4> pads;  // explicit pads (NOTSET), or what SAME resolves to
  OpType expect_op;
};

TEST(OnnxImporter, ConvVariantsMatchAPlainConvolution) {
  const ConvCase cases[] = {
      {"depthwise",
       {1, 4, 5, 5},
       {4, 1, 3, 3},
       4,
       1,
       1,
       "",
       {1, 1, 1, 1},
       OpType::kDepthwiseConv2D},
      {"depthwise_x2",
       {1, 3, 6, 5},
       {6, 1, 3, 2},
       3,
       2,
       1,
       "",
       {1, 0, 1, 1},
       OpType::kDepthwiseConv2D},
      {"grouped", {2, 4, 5, 5}, {6, 2, 3, 3}, 2, 1, 1, "", {0, 1, 2, 1}, OpType::kConv2D},
      {"same_upper_dilated",
       {1, 3, 7, 6},
       {5, 3, 3, 3},
       1,
       1,
       2,
       "SAME_UPPER",
       {2, 2, 2, 2},
       OpType::kConv2D},
      {"same_lower_strided",
       {1, 2, 6, 6},
       {3, 2, 2, 2},
       1,
       2,
       1,
       "SAME_LOWER",
       {0, 0, 0, 0},
       OpType::kConv2D},
      {"same_upper_strided",
       {1, 2, 5, 5},
       {3, 2, 2, 2},
       1,
       2,
       1,
       "SAME_UPPER",
       {0, 0, 1, 1},
       OpType::kConv2D},
      {"same_lower_odd",
       {1, 2, 5, 5},
       {3, 2, 2, 2},
       1,
       1,
       1,
       "SAME_LOWER",
       {1, 1, 0, 0},
       OpType::kConv2D},
      {"valid", {1, 2, 5, 4}, {3, 2, 2, 3}, 1, 1, 1, "VALID", {0, 0, 0, 0}, OpType::kConv2D},
  };
  uint32_t seed = 100;
  for (const ConvCase& k : cases) {
    SCOPED_TRACE(k.name);
    std::vector<float> x = random_values(static_cast<size_t>(shape_elements(k.xs)), seed++);
    std::vector<float> w = random_values(static_cast<size_t>(shape_elements(k.ws)), seed++);
    std::vector<float> b = random_values(static_cast<size_t>(k.ws[0]), seed++);
    ModelProto m = new_model(11);
    add_input(m, "x", k.xs);
    add_init(m, "w", k.ws, w);
    add_init(m, "b", {k.ws[0]}, b);
    NodeProto* n = add_node(m, "Conv", {"x", "w", "b"}, {"y"}, k.name);
    attr_int(n, "group", k.group);
    attr_ints(n, "strides", {k.stride, k.stride});
    attr_ints(n, "dilations", {k.dil, k.dil});
    if (k.auto_pad.empty())
      attr_ints(n, "pads", {k.pads[0], k.pads[1], k.pads[2], k.pads[3]});
    else
      attr_str(n, "auto_pad", k.auto_pad);
    add_output(m, "y");
    Shape ys;
    std::vector<float> want = conv_nchw(x, k.xs, w, k.ws, b, k.group, k.stride, k.dil, k.pads, ys);
    Graph g = import_proto(m);
    bool found = false;
    for (const Node& node : g.nodes) found = found || node.op == k.expect_op;
    EXPECT_TRUE(found) << "expected a " << op_name(k.expect_op);
    ASSERT_EQ(g.tensor(g.outputs[0]).shape, ys);
    std::vector<float> got = run(std::move(g), x);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5) << "at " << i;
  }
}

// Conv (NHWC inside) feeding element-wise, Softmax over channels, Concat, Transpose and
// Flatten: every layout path, checked against a plain NCHW computation.
TEST(OnnxImporter, LayoutConversionMatchesNchwSemantics) {
  const int64_t C = 3, M = 4, H = 2, W = 3;
  std::vector<float> x = random_values(C * H * W, 1), w = random_values(M * C, 2),
                     bias = random_values(M, 3), shift = random_values(M, 4);
  ModelProto m = new_model(13);
  add_input(m, "x", {1, C, H, W});
  add_init(m, "w", {M, C, 1, 1}, w);
  add_init(m, "shift", {M, 1, 1}, shift);
  add_init_i64(m, "shape", {1, -1});
  add_node(m, "Conv", {"x", "w"}, {"conv"}, "conv");
  add_node(m, "Add", {"conv", "shift"}, {"add"}, "add");
  attr_int(add_node(m, "Softmax", {"add"}, {"sm"}, "sm"), "axis", 1);
  attr_int(add_node(m, "Concat", {"sm", "conv"}, {"cat"}, "cat"), "axis", 1);
  attr_ints(add_node(m, "Transpose", {"cat"}, {"tr"}, "tr"), "perm", {0, 3, 1, 2});
  add_node(m, "Reshape", {"tr", "shape"}, {"y"}, "flat");
  add_output(m, "y");
  add_output(m, "add");
  (void)bias;

  // The same in NCHW by hand.
  std::vector<float> conv(M * H * W), add(M * H * W), sm(M * H * W);
  for (int64_t o = 0; o < M; ++o)
    for (int64_t p = 0; p < H * W; ++p) {
      float acc = 0;
      for (int64_t c = 0; c < C; ++c) acc += x[c * H * W + p] * w[o * C + c];
      conv[o * H * W + p] = acc;
      add[o * H * W + p] = acc + shift[o];
    }
  for (int64_t p = 0; p < H * W; ++p) {
    float mx = -1e30f, sum = 0;
    for (int64_t o = 0; o < M; ++o) mx = std::max(mx, add[o * H * W + p]);
    for (int64_t o = 0; o < M; ++o) sum += std::exp(add[o * H * W + p] - mx);
    for (int64_t o = 0; o < M; ++o) sm[o * H * W + p] = std::exp(add[o * H * W + p] - mx) / sum;
  }
  // cat: [1, 2M, H, W]; tr = transpose (0,3,1,2): [1, W, 2M, H]; y = flatten.
  std::vector<float> want;
  for (int64_t xw = 0; xw < W; ++xw)
    for (int64_t ch = 0; ch < 2 * M; ++ch)
      for (int64_t yh = 0; yh < H; ++yh) {
        const std::vector<float>& src = ch < M ? sm : conv;
        want.push_back(src[(ch % M) * H * W + yh * W + xw]);
      }

  Graph g = import_proto(m);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 2 * M * H * W}));
  EXPECT_EQ(g.tensor(g.outputs[1]).shape, (Shape{1, M, H, W}));  // ONNX order at the boundary
  auto s = Session::from_graph(std::move(g), SessionOptions{});
  auto out = s->make_output_buffers();
  s->run({x.data()}, out);
  const float* y = reinterpret_cast<const float*>(out[0].data());
  const float* a = reinterpret_cast<const float*>(out[1].data());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-5) << "y at " << i;
  for (size_t i = 0; i < add.size(); ++i) ASSERT_NEAR(a[i], add[i], 1e-5) << "add at " << i;
}

// Opset 10 forms: Pad and Clip take attributes, Softmax coerces to 2-D at its axis.
TEST(OnnxImporter, OldOpsetAttributeForms) {
  ModelProto m = new_model(10);
  add_input(m, "x", {1, 2, 2, 3});
  NodeProto* pad = add_node(m, "Pad", {"x"}, {"p"}, "pad");
  attr_ints(pad, "pads", {0, 0, 1, 0, 0, 0, 0, 1});  // one row on top, one column on the right
  attr_f(pad, "value", 0.5f);
  NodeProto* clip = add_node(m, "Clip", {"p"}, {"c"}, "clip");
  attr_f(clip, "min", -0.2f);
  attr_f(clip, "max", 0.3f);
  attr_int(add_node(m, "Softmax", {"c"}, {"y"}, "sm"), "axis", 1);
  add_output(m, "y");
  std::vector<float> x = random_values(12, 5);
  // By hand: p is [1,2,3,4]; softmax over all 24 values (axis 1 coerces to [1, 24]).
  std::vector<float> c;
  for (int ch = 0; ch < 2; ++ch)
    for (int h = 0; h < 3; ++h)
      for (int w = 0; w < 4; ++w) {
        float v = (h == 0 || w == 3) ? 0.5f : x[static_cast<size_t>(ch * 6 + (h - 1) * 3 + w)];
        c.push_back(std::min(0.3f, std::max(-0.2f, v)));
      }
  double sum = 0;
  for (float v : c) sum += std::exp(v);
  Graph g = import_proto(m);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 2, 3, 4}));
  std::vector<float> y = run(std::move(g), x);
  ASSERT_EQ(y.size(), c.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::exp(c[i]) / sum, 1e-6) << i;
}

TEST(OnnxImporter, MatMulWithVectorOperands) {
  std::vector<float> b = random_values(4, 11), x = random_values(24, 12);
  ModelProto m = new_model();
  add_input(m, "x", {2, 3, 4});
  add_init(m, "b", {4}, b);
  add_node(m, "MatMul", {"x", "b"}, {"y"}, "mv");
  add_output(m, "y");
  Graph g = import_proto(m);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{2, 3}));
  std::vector<float> y = run(std::move(g), x);
  for (size_t r = 0; r < 6; ++r) {
    float want = 0;
    for (size_t k = 0; k < 4; ++k) want += x[r * 4 + k] * b[k];
    EXPECT_NEAR(y[r], want, 1e-6);
  }
  std::vector<float> w = random_values(20, 13), v = random_values(4, 14);
  ModelProto m2 = new_model();
  add_input(m2, "v", {4});
  add_init(m2, "w", {4, 5}, w);
  add_node(m2, "MatMul", {"v", "w"}, {"y"}, "vm");
  add_output(m2, "y");
  g = import_proto(m2);
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{5}));
  y = run(std::move(g), v);
  for (size_t n = 0; n < 5; ++n) {
    float want = 0;
    for (size_t k = 0; k < 4; ++k) want += v[k] * w[k * 5 + n];
    EXPECT_NEAR(y[n], want, 1e-6);
  }
}

}  // namespace
}  // namespace edgebench
