// XNNPACK (Debian's 2022 snapshot) against oneDNN 2.6 on the zoo models' own
// f32 convolution layers, one thread, to decide per operator class which
// library the cpu backend should call. Results and conclusions:
// bench/XNNPACK_VS_ONEDNN.md.
//
// Three implementations of each layer are timed, interleaved run by run (the
// order rotates every iteration) so that load from other processes on the
// machine falls on all of them alike:
//   dnnl-nhwc  oneDNN, NHWC source and destination, weights format_tag::any
//              (same I/O layout as XNNPACK);
//   dnnl-be    oneDNN set up as src/backends/cpu/lower_conv_f32.cpp does:
//              source, weights and destination format_tag::any, the Winograd
//              rule of use_winograd(), user scratchpad. oneDNN 2.6 then picks
//              acdb (= NHWC) for every direct convolution here and aBcd16b
//              (nChw16c) only for Winograd; the reorders around those layers
//              are not counted;
//   xnn        xnn_create_convolution2d_nhwc_f32, set up once, no threadpool.
// All have bias and the layer's fused activation (ReLU6: oneDNN eltwise_clip
// post-op, XNNPACK output_min/max). Outputs are checked against a plain
// direct convolution before timing (exit status 2 if one is off by more than
// 1e-4 of the output's range).
//
// The layer lists replicate src/models/zoo.cpp (MobileNetV1 1.0/224,
// MobileNetV2 1.0/224, InceptionV3/299); identical layers are timed once and
// counted as often as they occur. The residual Add that the backend fuses
// into MobileNetV2's projection (a sum post-op) is not part of the timing.
//
// Run:
//   build-xnn/edgebench_xnnpack_vs_onednn [runs=51] [warmup=5] [model=all]
// Prints Markdown: one table per model, then a per-class summary; progress on stderr.
#include <omp.h>
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dnnl.hpp>
#include <limits>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace {

using tag = dnnl::memory::format_tag;
constexpr float kInf = std::numeric_limits<float>::infinity();

enum class Act { kNone, kRelu, kRelu6 };

struct Layer {
  int h, w, cin, cout, kh, kw, stride, ph, pw, groups;
  Act act;
  int count = 1;
  int oh() const { return (h + 2 * ph - kh) / stride + 1; }
  int ow() const { return (w + 2 * pw - kw) / stride + 1; }
  double macs() const { return double(oh()) * ow() * cout * kh * kw * (cin / groups); }
  bool depthwise() const { return groups == cin && groups > 1; }
  bool pointwise() const { return kh == 1 && kw == 1 && groups == 1; }
  const char* klass() const {
    return depthwise() ? "depthwise" : pointwise() ? "pointwise" : "other";
  }
  auto key() const { return std::tie(h, w, cin, cout, kh, kw, stride, ph, pw, groups, act); }
};

// Activations and weights 64-byte aligned for both libraries (oneDNN's own
// allocations are, a plain std::vector's are not), so that alignment is not
// one of the differences measured.
template <typename T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <typename U>
  Aligned64(const Aligned64<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new[]((n * sizeof(T) + 63) / 64 * 64, std::align_val_t(64)));
  }
  void deallocate(T* p, size_t) { ::operator delete[](p, std::align_val_t(64)); }
  bool operator==(const Aligned64&) const { return true; }
  bool operator!=(const Aligned64&) const { return false; }
};
using Buffer = std::vector<float, Aligned64<float>>;

struct Shape {
  int h, w, c;
};

// Collects a model's convolutions; identical ones are merged with a count.
struct LayerList {
  std::vector<Layer> layers;
  Shape conv(Shape x, int cout, int kh, int kw, int stride, int ph, int pw, Act act,
             int groups = 1) {
    Layer l{x.h, x.w, x.c, cout, kh, kw, stride, ph, pw, groups, act};
    auto it = std::find_if(layers.begin(), layers.end(),
                           [&](const Layer& o) { return o.key() == l.key(); });
    if (it == layers.end())
      layers.push_back(l);
    else
      ++it->count;
    return {l.oh(), l.ow(), cout};
  }
  Shape depthwise(Shape x, int stride, Act act) {
    return conv(x, x.c, 3, 3, stride, 1, 1, act, x.c);
  }
  static Shape pool(Shape x, int k, int stride, int pad) {
    return {(x.h + 2 * pad - k) / stride + 1, (x.w + 2 * pad - k) / stride + 1, x.c};
  }
};

std::vector<Layer> mobilenet_v1() {
  LayerList L;
  Shape x{224, 224, 3};
  x = L.conv(x, 32, 3, 3, 2, 1, 1, Act::kRelu6);
  const int blocks[][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                           {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (const auto& [c, s] : blocks) {
    x = L.depthwise(x, s, Act::kRelu6);
    x = L.conv(x, c, 1, 1, 1, 0, 0, Act::kRelu6);
  }
  return L.layers;
}

int make_divisible(float v, int divisor = 8) {
  int r = std::max(divisor, static_cast<int>(v + divisor / 2.0f) / divisor * divisor);
  return r < 0.9f * v ? r + divisor : r;
}

std::vector<Layer> mobilenet_v2() {
  LayerList L;
  Shape x{224, 224, 3};
  x = L.conv(x, 32, 3, 3, 2, 1, 1, Act::kRelu6);
  const int settings[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& [t, c, n, s] : settings) {
    for (int i = 0; i < n; ++i) {
      Shape y = x;
      if (t != 1) y = L.conv(y, x.c * t, 1, 1, 1, 0, 0, Act::kRelu6);
      y = L.depthwise(y, i == 0 ? s : 1, Act::kRelu6);
      x = L.conv(y, make_divisible(float(c)), 1, 1, 1, 0, 0, Act::kNone);
    }
  }
  L.conv(x, 1280, 1, 1, 1, 0, 0, Act::kRelu6);
  return L.layers;
}

std::vector<Layer> inception_v3() {
  LayerList L;
  auto bc = [&](Shape x, int c, int kh, int kw, int s = 1, int ph = 0, int pw = 0) {
    return L.conv(x, c, kh, kw, s, ph, pw, Act::kRelu);
  };
  auto cat = [](std::initializer_list<Shape> xs) {
    Shape s = *xs.begin();
    s.c = 0;
    for (const Shape& x : xs) s.c += x.c;
    return s;
  };
  auto block_a = [&](Shape x, int pool_features) {
    Shape b1 = bc(x, 64, 1, 1);
    Shape b5 = bc(bc(x, 48, 1, 1), 64, 5, 5, 1, 2, 2);
    Shape b3 = bc(bc(bc(x, 64, 1, 1), 96, 3, 3, 1, 1, 1), 96, 3, 3, 1, 1, 1);
    Shape bp = bc(LayerList::pool(x, 3, 1, 1), pool_features, 1, 1);
    return cat({b1, b5, b3, bp});
  };
  auto block_b = [&](Shape x) {
    Shape b3 = bc(x, 384, 3, 3, 2);
    Shape bd = bc(bc(bc(x, 64, 1, 1), 96, 3, 3, 1, 1, 1), 96, 3, 3, 2);
    return cat({b3, bd, LayerList::pool(x, 3, 2, 0)});
  };
  auto block_c = [&](Shape x, int c7) {
    Shape b1 = bc(x, 192, 1, 1);
    Shape b7 = bc(bc(bc(x, c7, 1, 1), c7, 1, 7, 1, 0, 3), 192, 7, 1, 1, 3, 0);
    Shape bd = bc(x, c7, 1, 1);
    bd = bc(bd, c7, 7, 1, 1, 3, 0);
    bd = bc(bd, c7, 1, 7, 1, 0, 3);
    bd = bc(bd, c7, 7, 1, 1, 3, 0);
    bd = bc(bd, 192, 1, 7, 1, 0, 3);
    Shape bp = bc(LayerList::pool(x, 3, 1, 1), 192, 1, 1);
    return cat({b1, b7, bd, bp});
  };
  auto block_d = [&](Shape x) {
    Shape b3 = bc(bc(x, 192, 1, 1), 320, 3, 3, 2);
    Shape b7 = bc(bc(bc(bc(x, 192, 1, 1), 192, 1, 7, 1, 0, 3), 192, 7, 1, 1, 3, 0), 192, 3, 3, 2);
    return cat({b3, b7, LayerList::pool(x, 3, 2, 0)});
  };
  auto block_e = [&](Shape x) {
    Shape b1 = bc(x, 320, 1, 1);
    Shape b3 = bc(x, 384, 1, 1);
    Shape b3a = bc(b3, 384, 1, 3, 1, 0, 1), b3b = bc(b3, 384, 3, 1, 1, 1, 0);
    Shape bd = bc(bc(x, 448, 1, 1), 384, 3, 3, 1, 1, 1);
    Shape bda = bc(bd, 384, 1, 3, 1, 0, 1), bdb = bc(bd, 384, 3, 1, 1, 1, 0);
    Shape bp = bc(LayerList::pool(x, 3, 1, 1), 192, 1, 1);
    return cat({b1, b3a, b3b, bda, bdb, bp});
  };
  Shape x{299, 299, 3};
  x = bc(x, 32, 3, 3, 2);
  x = bc(x, 32, 3, 3);
  x = bc(x, 64, 3, 3, 1, 1, 1);
  x = LayerList::pool(x, 3, 2, 0);
  x = bc(x, 80, 1, 1);
  x = bc(x, 192, 3, 3);
  x = LayerList::pool(x, 3, 2, 0);
  x = block_a(x, 32);
  x = block_a(x, 64);
  x = block_a(x, 64);
  x = block_b(x);
  x = block_c(x, 128);
  x = block_c(x, 160);
  x = block_c(x, 160);
  x = block_c(x, 192);
  x = block_d(x);
  x = block_e(x);
  block_e(x);
  return L.layers;
}

std::pair<float, float> act_range(Act a) {
  switch (a) {
    case Act::kRelu: return {0.0f, kInf};
    case Act::kRelu6: return {0.0f, 6.0f};
    default: return {-kInf, kInf};
  }
}

// Plain direct convolution, NHWC input, weights [G][Cout/G][KH][KW][Cin/G]
// (= XNNPACK's layout; OHWI when G = 1): the independent answer.
std::vector<float> reference_conv(const Layer& l, const Buffer& x, const Buffer& w,
                                  const Buffer& b) {
  const int oh = l.oh(), ow = l.ow(), icg = l.cin / l.groups, ocg = l.cout / l.groups;
  const auto [lo, hi] = act_range(l.act);
  std::vector<float> y(size_t(oh) * ow * l.cout);
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int oc = 0; oc < l.cout; ++oc) {
        const int g = oc / ocg;
        double acc = b[oc];
        for (int ky = 0; ky < l.kh; ++ky) {
          const int iy = oy * l.stride - l.ph + ky;
          if (iy < 0 || iy >= l.h) continue;
          for (int kx = 0; kx < l.kw; ++kx) {
            const int ix = ox * l.stride - l.pw + kx;
            if (ix < 0 || ix >= l.w) continue;
            const float* xp = &x[(size_t(iy) * l.w + ix) * l.cin + g * icg];
            const float* wp = &w[((size_t(oc) * l.kh + ky) * l.kw + kx) * icg];
            for (int ic = 0; ic < icg; ++ic) acc += double(xp[ic]) * wp[ic];
          }
        }
        y[(size_t(oy) * ow + ox) * l.cout + oc] = std::clamp(float(acc), lo, hi);
      }
  return y;
}

// max |a - ref| / max |ref|.
double rel_err(const float* a, const std::vector<float>& ref) {
  double num = 0, den = 1e-30;
  for (size_t i = 0; i < ref.size(); ++i) {
    num = std::max(num, double(std::fabs(a[i] - ref[i])));
    den = std::max(den, double(std::fabs(ref[i])));
  }
  return num / den;
}

// One oneDNN convolution primitive with its memories, ready to execute.
struct DnnlConv {
  dnnl::convolution_forward prim;
  std::unordered_map<int, dnnl::memory> args;
  dnnl::memory src_user, dst_user, src, dst;
  std::string impl;
};

DnnlConv make_dnnl(const Layer& l, bool backend_layout, const dnnl::engine& eng, dnnl::stream& s,
                   Buffer& x, Buffer& w, Buffer& b) {
  using dt = dnnl::memory::data_type;
  const dnnl::memory::dims src_dims = {1, l.cin, l.h, l.w}, dst_dims = {1, l.cout, l.oh(), l.ow()};
  const int g = l.groups;
  const dnnl::memory::desc user_w =
      g == 1 ? dnnl::memory::desc({l.cout, l.cin, l.kh, l.kw}, dt::f32, tag::ohwi)
             : dnnl::memory::desc({g, l.cout / g, l.cin / g, l.kh, l.kw}, dt::f32, tag::gohwi);
  const dnnl::memory::desc src_md(src_dims, dt::f32, backend_layout ? tag::any : tag::nhwc);
  const dnnl::memory::desc dst_md(dst_dims, dt::f32, backend_layout ? tag::any : tag::nhwc);
  const dnnl::memory::desc w_any(user_w.dims(), dt::f32, tag::any);
  const dnnl::memory::desc bias_md({l.cout}, dt::f32, tag::x);
  const dnnl::memory::dims strides = {l.stride, l.stride}, dil = {0, 0};
  const dnnl::memory::dims pad = {l.ph, l.pw};

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  if (l.act == Act::kRelu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  if (l.act == Act::kRelu6) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, 6.0f);
  attr.set_post_ops(ops);
  auto desc = [&](dnnl::algorithm alg) {
    return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, w_any,
                                           bias_md, dst_md, strides, dil, pad, pad);
  };
  // use_winograd() in lower_conv_f32.cpp: 3x3 stride 1, not grouped, >= 64 channels in and out.
  const bool wino =
      l.kh == 3 && l.kw == 3 && l.stride == 1 && g == 1 && l.cin >= 64 && l.cout >= 64;
  dnnl::convolution_forward::primitive_desc pd;
  if (backend_layout && wino) {
    try {
      pd = dnnl::convolution_forward::primitive_desc(desc(dnnl::algorithm::convolution_winograd),
                                                     attr, eng);
    } catch (const dnnl::error&) {
    }
  }
  if (!pd)
    pd = dnnl::convolution_forward::primitive_desc(desc(dnnl::algorithm::convolution_direct), attr,
                                                   eng);

  DnnlConv c;
  c.impl = pd.impl_info_str();
  c.prim = dnnl::convolution_forward(pd);
  c.src_user = dnnl::memory({src_dims, dt::f32, tag::nhwc}, eng, x.data());
  c.dst_user = dnnl::memory({dst_dims, dt::f32, tag::nhwc}, eng);
  c.src = pd.src_desc() == c.src_user.get_desc() ? c.src_user : dnnl::memory(pd.src_desc(), eng);
  c.dst = pd.dst_desc() == c.dst_user.get_desc() ? c.dst_user : dnnl::memory(pd.dst_desc(), eng);
  if (c.src != c.src_user) dnnl::reorder(c.src_user, c.src).execute(s, c.src_user, c.src);
  // Weights packed once, as pack_constant() does in the backend.
  dnnl::memory w_user(user_w, eng, w.data()), w_packed(pd.weights_desc(), eng);
  try {
    dnnl::reorder(w_user, w_packed).execute(s, w_user, w_packed);
  } catch (const dnnl::error&) {
    // Winograd's packed weights are reachable only from the plain (oihw) layout,
    // as in pack_constant() (src/backends/cpu/lowering.cpp).
    const dnnl::memory::dims dims = user_w.dims();
    dnnl::memory::dims st(dims.size(), 1);
    for (size_t i = dims.size() - 1; i > 0; --i) st[i - 1] = st[i] * dims[i];
    dnnl::memory plain(dnnl::memory::desc(dims, dt::f32, st), eng);
    dnnl::reorder(w_user, plain).execute(s, w_user, plain);
    dnnl::reorder(plain, w_packed).execute(s, plain, w_packed);
  }
  s.wait();
  c.args = {{DNNL_ARG_SRC, c.src},
            {DNNL_ARG_WEIGHTS, w_packed},
            {DNNL_ARG_BIAS, dnnl::memory(bias_md, eng, b.data())},
            {DNNL_ARG_DST, c.dst},
            {DNNL_ARG_SCRATCHPAD, dnnl::memory(pd.scratchpad_desc(), eng)}};
  return c;
}

// The destination in NHWC (reordered out of a blocked layout when needed).
const float* dnnl_output(DnnlConv& c, dnnl::stream& s) {
  if (c.dst != c.dst_user) dnnl::reorder(c.dst, c.dst_user).execute(s, c.dst, c.dst_user);
  s.wait();
  return static_cast<const float*>(c.dst_user.get_data_handle());
}

void xnn_check(xnn_status st, const char* what) {
  if (st != xnn_status_success)
    throw std::runtime_error(std::string(what) + " failed: " + std::to_string(st));
}

double now_us() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Result {
  Layer layer;
  double t[3];                 // medians (us): dnnl-nhwc, dnnl-be, xnn
  double t_even[3], t_odd[3];  // medians of the even- and odd-numbered runs
  double t_min[3];             // fastest run
  double err[3];
  std::string impl_nhwc, impl_be;
};

Result measure(const Layer& l, int runs, int warmup, const dnnl::engine& eng, dnnl::stream& s) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const size_t x_n = size_t(l.h) * l.w * l.cin, y_n = size_t(l.oh()) * l.ow() * l.cout;
  // Weights scaled by 1/sqrt(fan-in) so outputs stay O(1) and ReLU6 clips some of them.
  const float ws = 2.0f / std::sqrt(float(l.kh * l.kw * (l.cin / l.groups)));
  Buffer x(x_n + XNN_EXTRA_BYTES / sizeof(float)),
      w(size_t(l.cout) * l.kh * l.kw * (l.cin / l.groups)), b(l.cout);
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = u(rng) * ws;
  for (auto& v : b) v = u(rng);

  Result r{l, {}, {}, {}, {}, {}, {}, {}};
  DnnlConv nhwc = make_dnnl(l, false, eng, s, x, w, b);
  DnnlConv be = make_dnnl(l, true, eng, s, x, w, b);
  r.impl_nhwc = nhwc.impl;
  r.impl_be = be.impl;

  Buffer y_xnn(y_n);
  xnn_operator_t op = nullptr;
  const auto [lo, hi] = act_range(l.act);
  xnn_check(
      xnn_create_convolution2d_nhwc_f32(l.ph, l.pw, l.ph, l.pw, l.kh, l.kw, l.stride, l.stride, 1,
                                        1, l.groups, l.cin / l.groups, l.cout / l.groups, l.cin,
                                        l.cout, w.data(), b.data(), lo, hi, 0, &op),
      "xnn_create_convolution2d_nhwc_f32");
  xnn_check(xnn_setup_convolution2d_nhwc_f32(op, 1, l.h, l.w, x.data(), y_xnn.data(), nullptr),
            "xnn_setup_convolution2d_nhwc_f32");

  auto run_nhwc = [&] {
    nhwc.prim.execute(s, nhwc.args);
    s.wait();
  };
  auto run_be = [&] {
    be.prim.execute(s, be.args);
    s.wait();
  };
  auto run_xnn = [&] { xnn_check(xnn_run_operator(op, nullptr), "xnn_run_operator"); };

  run_nhwc();
  run_be();
  run_xnn();
  const std::vector<float> ref = reference_conv(l, x, w, b);
  r.err[0] = rel_err(dnnl_output(nhwc, s), ref);
  r.err[1] = rel_err(dnnl_output(be, s), ref);
  r.err[2] = rel_err(y_xnn.data(), ref);

  std::vector<double> t[3];
  for (int i = 0; i < warmup + runs; ++i) {
    // Rotate the order each iteration: A B C, B C A, C A B, ...
    for (int k = 0; k < 3; ++k) {
      const int which = (i + k) % 3;
      const double t0 = now_us();
      if (which == 0)
        run_nhwc();
      else if (which == 1)
        run_be();
      else
        run_xnn();
      const double dt = now_us() - t0;
      if (i >= warmup) t[which].push_back(dt);
    }
  }
  if (const char* dump = std::getenv("XNN_VS_DNNL_DUMP"); dump && *dump) {
    // Every timed run, in order: for looking at a layer's distribution.
    for (int k = 0; k < 3; ++k) {
      std::fprintf(stderr, "%s:", k == 0 ? "dnnl-nhwc" : k == 1 ? "dnnl-be" : "xnn");
      for (double v : t[k]) std::fprintf(stderr, " %.0f", v);
      std::fprintf(stderr, "\n");
    }
  }
  for (int k = 0; k < 3; ++k) {
    r.t[k] = median(t[k]);
    r.t_min[k] = *std::min_element(t[k].begin(), t[k].end());
    std::vector<double> half[2];
    for (size_t i = 0; i < t[k].size(); ++i) half[i % 2].push_back(t[k][i]);
    r.t_even[k] = median(half[0]);
    r.t_odd[k] = median(half[1]);
  }
  xnn_delete_operator(op);
  return r;
}

const char* act_name(Act a) {
  return a == Act::kRelu6 ? "relu6" : a == Act::kRelu ? "relu" : "linear";
}

// Per layer: medians and their ratios; the ratio of the fastest runs beside
// them (on a loaded machine a layer longer than a scheduler slice is often
// preempted, which the minimum sees least).
void print_model(const char* name, const std::vector<Result>& rs) {
  std::printf("\n### %s\n\n", name);
  std::printf(
      "| class | HxW | Cin->Cout | kernel | s | groups | act | n | MMAC | dnnl-nhwc us | dnnl-be "
      "us | xnn us "
      "| xnn/dnnl-nhwc | xnn/dnnl-be | min: xnn/dnnl-nhwc | min: xnn/dnnl-be | dnnl-be impl |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  double err[3] = {0, 0, 0};
  for (const Result& r : rs) {
    const Layer& l = r.layer;
    std::printf(
        "| %s | %dx%d | %d->%d | %dx%d | %d | %d | %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | "
        "%.2f | %.2f | %.2f | %s |\n",
        l.klass(), l.h, l.w, l.cin, l.cout, l.kh, l.kw, l.stride, l.groups, act_name(l.act),
        l.count, l.macs() / 1e6, r.t[0], r.t[1], r.t[2], r.t[2] / r.t[0], r.t[2] / r.t[1],
        r.t_min[2] / r.t_min[0], r.t_min[2] / r.t_min[1], r.impl_be.c_str());
    for (int k = 0; k < 3; ++k) err[k] = std::max(err[k], r.err[k]);
  }
  std::printf(
      "\nLargest max|y - ref| / max|ref| over the layers (plain direct convolution as reference): "
      "dnnl-nhwc %.1e, dnnl-be %.1e, xnn %.1e\n",
      err[0], err[1], err[2]);
}

// Per-class sums of count x median (and of count x minimum), and two
// per-layer mixes of oneDNN and XNNPACK: with dnnl-nhwc (both NHWC: no layout
// changes between layers) and with dnnl-be (would need reorders around the
// blocked Winograd layers, not counted). Taking min(a, b) of two medians would
// favour the mix by picking whichever had the luckier noise, so the mix is
// cross-validated: each layer's library is chosen on the even-numbered runs
// and timed on the odd-numbered ones, against oneDNN's odd-run time.
void print_summary(const std::vector<std::pair<std::string, std::vector<Result>>>& models) {
  std::printf("\n### Summary (sum over the model's layers of count x time, ms)\n\n");
  std::printf(
      "| model | class | layers | GMAC | dnnl-nhwc | dnnl-be | xnn | xnn/dnnl-nhwc | xnn/dnnl-be "
      "| min: xnn/dnnl-nhwc | min: xnn/dnnl-be | mix/dnnl-nhwc | mix/dnnl-be | layers to xnn "
      "(nhwc, be) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [name, rs] : models) {
    for (const char* k : {"depthwise", "pointwise", "other", "total"}) {
      double t[3] = {0, 0, 0}, tmin[3] = {0, 0, 0}, mix_n = 0, mix_b = 0, odd_n = 0, odd_b = 0,
             gmac = 0;
      int n = 0, to_xnn_n = 0, to_xnn_b = 0;
      for (const Result& r : rs) {
        if (std::string(k) != "total" && std::string(k) != r.layer.klass()) continue;
        const int c = r.layer.count;
        n += c;
        gmac += c * r.layer.macs() / 1e9;
        for (int i = 0; i < 3; ++i) {
          t[i] += c * r.t[i] / 1e3;
          tmin[i] += c * r.t_min[i] / 1e3;
        }
        const bool xn = r.t_even[2] < r.t_even[0], xb = r.t_even[2] < r.t_even[1];
        to_xnn_n += xn ? c : 0;
        to_xnn_b += xb ? c : 0;
        mix_n += c * (xn ? r.t_odd[2] : r.t_odd[0]);
        mix_b += c * (xb ? r.t_odd[2] : r.t_odd[1]);
        odd_n += c * r.t_odd[0];
        odd_b += c * r.t_odd[1];
      }
      if (n == 0) continue;
      std::printf(
          "| %s | %s | %d | %.3f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | "
          "%d, %d |\n",
          name.c_str(), k, n, gmac, t[0], t[1], t[2], t[2] / t[0], t[2] / t[1], tmin[2] / tmin[0],
          tmin[2] / tmin[1], mix_n / odd_n, mix_b / odd_b, to_xnn_n, to_xnn_b);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int runs =
      std::max(2, argc > 1 ? std::atoi(argv[1]) : 51);  // >= 2: the mix uses two halves
  const int warmup = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "all";
  omp_set_num_threads(1);
  try {
    xnn_check(xnn_initialize(nullptr), "xnn_initialize");
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    std::printf(
        "oneDNN %d.%d.%d, ISA %d, OpenMP threads %d; XNNPACK no threadpool; runs %d after %d "
        "warm-up\n",
        dnnl_version()->major, dnnl_version()->minor, dnnl_version()->patch,
        int(dnnl::get_effective_cpu_isa()), omp_get_max_threads(), runs, warmup);
    const std::pair<const char*, std::vector<Layer> (*)()> zoo[] = {{"mobilenet_v1", mobilenet_v1},
                                                                    {"mobilenet_v2", mobilenet_v2},
                                                                    {"inception_v3", inception_v3}};
    std::vector<std::pair<std::string, std::vector<Result>>> all;
    for (const auto& [name, build] : zoo) {
      if (only != "all" && only != name) continue;
      std::vector<Result> rs;
      for (const Layer& l : build()) {
        rs.push_back(measure(l, runs, warmup, eng, s));
        std::fprintf(stderr, "%s %dx%d %d->%d %dx%d: %.1f %.1f %.1f us\n", name, l.h, l.w, l.cin,
                     l.cout, l.kh, l.kw, rs.back().t[0], rs.back().t[1], rs.back().t[2]);
      }
      print_model(name, rs);
      all.emplace_back(name, std::move(rs));
    }
    print_summary(all);
    for (const auto& [name, rs] : all)
      for (const Result& r : rs)
        if (*std::max_element(r.err, r.err + 3) > 1e-4) {
          std::fprintf(stderr, "error: %s: a layer's output differs from the reference\n",
                       name.c_str());
          return 2;
        }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
