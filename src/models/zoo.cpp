#include "models/zoo.h"

#include <algorithm>
#include <cmath>

#include "models/graph_builder.h"

namespace edgebench {
namespace {

constexpr auto kRelu = ActivationKind::kRelu;
constexpr auto kRelu6 = ActivationKind::kRelu6;
constexpr auto kLinear = ActivationKind::kNone;

int classifier(GraphBuilder& b, int x) {
  int pooled = b.global_avg_pool(x);
  int flat = b.reshape(pooled, {1, b.shape(pooled)[3]});
  return b.softmax(b.fully_connected(flat, 1000));
}

int make_divisible(float v, int divisor = 8) {
  int r = std::max(divisor, static_cast<int>(v + divisor / 2.0f) / divisor * divisor);
  return r < 0.9f * v ? r + divisor : r;
}

// Torchvision's BasicConv2d: conv + folded BN + ReLU.
int bconv(GraphBuilder& b, int x, int ch, int kh, int kw, int stride = 1, int ph = 0, int pw = 0) {
  return b.conv(x, ch, kh, kw, stride, ph, pw, kRelu);
}

int inception_a(GraphBuilder& b, int x, int pool_features) {
  int b1 = bconv(b, x, 64, 1, 1);
  int b5 = bconv(b, bconv(b, x, 48, 1, 1), 64, 5, 5, 1, 2, 2);
  int b3 = bconv(b, bconv(b, bconv(b, x, 64, 1, 1), 96, 3, 3, 1, 1, 1), 96, 3, 3, 1, 1, 1);
  int bp = bconv(b, b.avg_pool(x, 3, 1, 1, true), pool_features, 1, 1);
  return b.concat({b1, b5, b3, bp}, 3);
}

int inception_b(GraphBuilder& b, int x) {
  int b3 = bconv(b, x, 384, 3, 3, 2);
  int bd = bconv(b, bconv(b, bconv(b, x, 64, 1, 1), 96, 3, 3, 1, 1, 1), 96, 3, 3, 2);
  int bp = b.max_pool(x, 3, 2, 0);
  return b.concat({b3, bd, bp}, 3);
}

int inception_c(GraphBuilder& b, int x, int c7) {
  int b1 = bconv(b, x, 192, 1, 1);
  int b7 = bconv(b, x, c7, 1, 1);
  b7 = bconv(b, b7, c7, 1, 7, 1, 0, 3);
  b7 = bconv(b, b7, 192, 7, 1, 1, 3, 0);
  int bd = bconv(b, x, c7, 1, 1);
  bd = bconv(b, bd, c7, 7, 1, 1, 3, 0);
  bd = bconv(b, bd, c7, 1, 7, 1, 0, 3);
  bd = bconv(b, bd, c7, 7, 1, 1, 3, 0);
  bd = bconv(b, bd, 192, 1, 7, 1, 0, 3);
  int bp = bconv(b, b.avg_pool(x, 3, 1, 1, true), 192, 1, 1);
  return b.concat({b1, b7, bd, bp}, 3);
}

int inception_d(GraphBuilder& b, int x) {
  int b3 = bconv(b, bconv(b, x, 192, 1, 1), 320, 3, 3, 2);
  int b7 = bconv(b, x, 192, 1, 1);
  b7 = bconv(b, b7, 192, 1, 7, 1, 0, 3);
  b7 = bconv(b, b7, 192, 7, 1, 1, 3, 0);
  b7 = bconv(b, b7, 192, 3, 3, 2);
  int bp = b.max_pool(x, 3, 2, 0);
  return b.concat({b3, b7, bp}, 3);
}

int inception_e(GraphBuilder& b, int x) {
  int b1 = bconv(b, x, 320, 1, 1);
  int b3 = bconv(b, x, 384, 1, 1);
  int b3a = bconv(b, b3, 384, 1, 3, 1, 0, 1);
  int b3b = bconv(b, b3, 384, 3, 1, 1, 1, 0);
  int bd = bconv(b, bconv(b, x, 448, 1, 1), 384, 3, 3, 1, 1, 1);
  int bda = bconv(b, bd, 384, 1, 3, 1, 0, 1);
  int bdb = bconv(b, bd, 384, 3, 1, 1, 1, 0);
  int bp = bconv(b, b.avg_pool(x, 3, 1, 1, true), 192, 1, 1);
  return b.concat({b1, b3a, b3b, bda, bdb, bp}, 3);
}

}  // namespace

Graph build_mobilenet_v1(float width, int resolution) {
  GraphBuilder b("builtin:mobilenet_v1");
  auto ch = [&](int c) { return static_cast<int>(c * width); };
  int x = b.input({1, resolution, resolution, 3});
  x = b.conv(x, ch(32), 3, 3, 2, 1, 1, kRelu6);
  const int blocks[][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1},
                           {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (const auto& [c, s] : blocks) {
    // TF pads stride-2 3x3 convs asymmetrically (SAME); symmetric pad 1 gives the same size here.
    x = b.depthwise(x, 3, s, 1, kRelu6);
    x = b.conv(x, ch(c), 1, 1, 1, 0, 0, kRelu6);
  }
  return b.finish({classifier(b, x)});
}

Graph build_mobilenet_v2(int resolution) {
  GraphBuilder b("builtin:mobilenet_v2");
  int x = b.input({1, resolution, resolution, 3});
  x = b.conv(x, 32, 3, 3, 2, 1, 1, kRelu6);
  const int settings[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& [t, c, n, s] : settings) {
    for (int i = 0; i < n; ++i) {
      const int stride = i == 0 ? s : 1;
      const int in_ch = static_cast<int>(b.shape(x)[3]);
      int y = x;
      if (t != 1) y = b.conv(y, in_ch * t, 1, 1, 1, 0, 0, kRelu6);
      y = b.depthwise(y, 3, stride, 1, kRelu6);
      // Linear bottleneck; scaled down so residual sums stay near unit scale.
      y = b.conv(y, make_divisible(static_cast<float>(c)), 1, 1, 1, 0, 0, kLinear, 0.5f);
      x = (stride == 1 && in_ch == c) ? b.add(x, y) : y;
    }
  }
  x = b.conv(x, 1280, 1, 1, 1, 0, 0, kRelu6);
  return b.finish({classifier(b, x)});
}

Graph build_inception_v3() {
  GraphBuilder b("builtin:inception_v3");
  int x = b.input({1, 299, 299, 3});
  x = bconv(b, x, 32, 3, 3, 2);
  x = bconv(b, x, 32, 3, 3);
  x = bconv(b, x, 64, 3, 3, 1, 1, 1);
  x = b.max_pool(x, 3, 2, 0);
  x = bconv(b, x, 80, 1, 1);
  x = bconv(b, x, 192, 3, 3);
  x = b.max_pool(x, 3, 2, 0);
  x = inception_a(b, x, 32);
  x = inception_a(b, x, 64);
  x = inception_a(b, x, 64);
  x = inception_b(b, x);
  x = inception_c(b, x, 128);
  x = inception_c(b, x, 160);
  x = inception_c(b, x, 160);
  x = inception_c(b, x, 192);
  x = inception_d(b, x);
  x = inception_e(b, x);
  x = inception_e(b, x);
  return b.finish({classifier(b, x)});
}

const std::vector<ZooEntry>& zoo_models() {
  static const std::vector<ZooEntry> kZoo = {
      {"mobilenet_v1", "MobileNetV1", [] { return build_mobilenet_v1(); }},
      {"mobilenet_v2", "MobileNetV2", [] { return build_mobilenet_v2(); }},
      {"inception_v3", "InceptionV3", [] { return build_inception_v3(); }},
  };
  return kZoo;
}

}  // namespace edgebench
