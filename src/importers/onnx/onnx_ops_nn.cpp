// Layout-sensitive and weighted operators: Conv, Gemm, MatMul, pools,
// BatchNormalization. Spatial operators consume and produce NHWC.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "importers/onnx/onnx_context.h"

namespace edgebench::onnx_import {
namespace {

using TP = onnx::TensorProto;
constexpr int64_t kMaxWindow = 1 << 16;  // larger kernels/strides/pads are corrupt files

// Two spatial values (kernel, strides, dilations) from an attribute, or the default.
std::vector<int> spatial_attr(NodeCtx& c, const char* name, int dflt, int64_t min) {
  std::vector<int64_t> v = c.attr_ints(name);
  if (v.empty()) return {dflt, dflt};
  if (v.size() != 2)
    c.unsupported_attr(name, "of " + std::to_string(v.size()) + " values (only 2-D)");
  for (int64_t x : v)
    if (x < min || x > kMaxWindow)
      c.bad("attribute " + std::string(name) + " value " + std::to_string(x) + " is out of range");
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}

struct Window {
  int kh, kw;
  std::vector<int> stride, dilation;
};

// Resolves pads / auto_pad into explicit padding for an input of spatial size h x w.
Padding2D resolve_pads(NodeCtx& c, int64_t h, int64_t w, const Window& win) {
  const std::string auto_pad = c.attr_str("auto_pad", "NOTSET");
  Padding2D p;
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = c.attr_ints("pads");
    if (pads.empty()) return p;
    if (pads.size() != 4)
      c.bad("attribute pads has " + std::to_string(pads.size()) + " values, expected 4");
    for (int64_t x : pads) {
      if (x < 0) c.unsupported_attr("pads", "negative");
      if (x > kMaxWindow) c.bad("attribute pads value " + std::to_string(x) + " is out of range");
    }
    p.top = static_cast<int>(pads[0]);
    p.left = static_cast<int>(pads[1]);
    p.bottom = static_cast<int>(pads[2]);
    p.right = static_cast<int>(pads[3]);
    return p;
  }
  if (auto_pad == "VALID") return p;
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    c.unsupported_attr("auto_pad", auto_pad);
  auto same = [&](int64_t in, int k, int s, int d, int& begin, int& end) {
    int64_t out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>(0, (out - 1) * s + static_cast<int64_t>(k - 1) * d + 1 - in);
    if (total > kMaxWindow) c.bad("padding out of range");
    int small = static_cast<int>(total / 2), big = static_cast<int>(total - total / 2);
    begin = auto_pad == "SAME_UPPER" ? small : big;
    end = auto_pad == "SAME_UPPER" ? big : small;
  };
  same(h, win.kh, win.stride[0], win.dilation[0], p.top, p.bottom);
  same(w, win.kw, win.stride[1], win.dilation[1], p.left, p.right);
  return p;
}

int64_t out_size(NodeCtx& c, int64_t in, int pa, int pb, int k, int s, int d) {
  int64_t span = in + pa + pb - (static_cast<int64_t>(k - 1) * d + 1);
  if (span < 0) c.bad("window larger than the padded input");
  return span / s + 1;
}

void need_4d(NodeCtx& c, const Value& x, const char* what) {
  if (x.rank() != 4)
    c.unsupported("input '" + x.name + "' of shape " + shape_str(x.shape) + " (only " + what +
                  " on 4-D NCHW input is supported)");
}

// A float constant input. `weights`: for weight_tensor, which keeps a
// dequantized constant quantized: its float values are not computed.
const OnnxTensorData& float_const(NodeCtx& c, size_t i, const std::string& what,
                                  bool weights = false) {
  const OnnxTensorData& t = weights ? c.weight_in(i, what) : c.const_in(i, what);
  if (t.elem_type != TP::FLOAT)
    c.unsupported(what + " of element type " + onnx_elem_name(t.elem_type) + " is not supported");
  return t;
}

int bias_tensor(NodeCtx& c, size_t i, int64_t n) {
  if (!c.has_input(i)) return -1;
  const OnnxTensorData& b = float_const(c, i, "bias", /*weights=*/true);
  if (b.elements() != n)
    c.bad("bias has " + std::to_string(b.elements()) + " values, expected " + std::to_string(n));
  OnnxTensorData flat = b;
  flat.shape = {n};
  return c.im.weight_tensor(c.in(i), flat, {0}, b.name.empty() ? c.in(i).name : b.name);
}

}  // namespace

ConvPlan plan_conv(NodeCtx& c, const Value& x, const Shape& w) {
  need_4d(c, x, "2-D convolution");
  if (w.size() != 4) c.bad("weights of shape " + shape_str(w) + " are not 4-D");
  const int64_t m = w[0], cpg = w[1], cin = x.shape[1];
  const int64_t group = c.attr_int("group", 1);
  if (group < 1 || group > (1 << 30) || cpg * group != cin || m % group != 0)
    c.bad("weights " + shape_str(w) + " do not fit " + std::to_string(cin) + " input channels in " +
          std::to_string(group) + " groups");
  if (w[2] > kMaxWindow || w[3] > kMaxWindow || m == 0 || cpg == 0)
    c.bad("weights of shape " + shape_str(w) + " are out of range");
  Window win{static_cast<int>(w[2]), static_cast<int>(w[3]), spatial_attr(c, "strides", 1, 1),
             spatial_attr(c, "dilations", 1, 1)};
  std::vector<int64_t> ks = c.attr_ints("kernel_shape");
  if (!ks.empty() && ks != std::vector<int64_t>{win.kh, win.kw})
    c.bad("kernel_shape does not match the weights " + shape_str(w));
  ConvPlan p;
  Conv2DAttrs& a = p.attrs;
  a.stride_h = win.stride[0];
  a.stride_w = win.stride[1];
  a.dilation_h = win.dilation[0];
  a.dilation_w = win.dilation[1];
  a.pad = resolve_pads(c, x.shape[2], x.shape[3], win);
  const int64_t oh =
      out_size(c, x.shape[2], a.pad.top, a.pad.bottom, win.kh, a.stride_h, a.dilation_h);
  const int64_t ow =
      out_size(c, x.shape[3], a.pad.left, a.pad.right, win.kw, a.stride_w, a.dilation_w);
  if (group > 1 && cpg == 1) {  // depthwise: [M,1,KH,KW] -> [1,KH,KW,M], M = C * multiplier
    p.op = OpType::kDepthwiseConv2D;
    a.depth_multiplier = static_cast<int>(m / cin);
    p.filter_perm = {1, 2, 3, 0};
  } else {  // OIHW -> OHWI
    a.groups = static_cast<int>(group);
    p.filter_perm = kToNhwc;
  }
  const int64_t n = x.shape[0];
  p.ir_out = {n, oh, ow, m};
  p.onnx_out = {n, m, oh, ow};
  return p;
}

namespace {

void conv(NodeCtx& c) {
  Value& x = c.float_in(0);
  const OnnxTensorData& w = float_const(c, 1, "weights", /*weights=*/true);
  ConvPlan p = plan_conv(c, x, w.shape);
  const std::string wname = c.in(1).name;
  int filter = c.im.weight_tensor(c.in(1), w, p.filter_perm,
                                  wname + (p.op == OpType::kDepthwiseConv2D ? ":1hwo" : ":ohwi"));
  int bias = bias_tensor(c, 2, w.shape[0]);
  int xi = c.im.ir_tensor(x, Layout::kNhwc);
  int y = c.im.emit(p.op, c.node_name(), {xi, filter, bias}, p.attrs, c.out_name(), DType::kF32,
                    p.ir_out);
  c.im.define(c.out_name(), TP::FLOAT, p.onnx_out, y, Layout::kNhwc);
}

void pool(NodeCtx& c, bool is_max) {
  Value& x = c.float_in(0);
  need_4d(c, x, "2-D pooling");
  c.require_unused_outputs_from(1, "Indices");
  std::vector<int64_t> ks = c.attr_ints("kernel_shape");
  if (ks.size() != 2) c.bad("kernel_shape must have 2 values");
  if (ks[0] < 1 || ks[1] < 1 || ks[0] > kMaxWindow || ks[1] > kMaxWindow)
    c.bad("kernel_shape out of range");
  Window win{static_cast<int>(ks[0]), static_cast<int>(ks[1]), spatial_attr(c, "strides", 1, 1),
             spatial_attr(c, "dilations", 1, 1)};
  if (win.dilation[0] != 1 || win.dilation[1] != 1)
    c.unsupported_attr("dilations",
                       std::to_string(win.dilation[0]) + "," + std::to_string(win.dilation[1]));
  Pool2DAttrs a;
  a.filter_h = win.kh;
  a.filter_w = win.kw;
  a.stride_h = win.stride[0];
  a.stride_w = win.stride[1];
  a.pad = resolve_pads(c, x.shape[2], x.shape[3], win);
  a.count_include_pad = !is_max && c.attr_int("count_include_pad", 0) != 0;
  const bool ceil_mode =
      c.attr_int("ceil_mode", 0) != 0 && c.attr_str("auto_pad", "NOTSET") == "NOTSET";
  int64_t oh = out_size(c, x.shape[2], a.pad.top, a.pad.bottom, a.filter_h, a.stride_h, 1);
  int64_t ow = out_size(c, x.shape[3], a.pad.left, a.pad.right, a.filter_w, a.stride_w, 1);
  if (ceil_mode) {
    // Ceil mode adds windows that overhang the end: pad the end so they exist. Padding
    // is ignored by max pooling and by averages that exclude it, so results match.
    auto grow = [&](int64_t in, int pa, int& pb, int k, int s, int64_t& out) {
      int64_t span = in + pa + pb - k;
      int64_t up = (span + s - 1) / s + 1;
      if ((up - 1) * s >= in + pa) --up;  // a window must start inside the input or its pad
      if (up <= out) return;
      if (a.count_include_pad) c.unsupported_attr("ceil_mode", "1 with count_include_pad=1");
      pb += static_cast<int>((up - 1) * s + k - (in + pa + pb));
      out = up;
    };
    grow(x.shape[2], a.pad.top, a.pad.bottom, a.filter_h, a.stride_h, oh);
    grow(x.shape[3], a.pad.left, a.pad.right, a.filter_w, a.stride_w, ow);
  }
  int xi = c.im.ir_tensor(x, Layout::kNhwc);
  const int64_t n = x.shape[0], ch = x.shape[1];
  int y = c.im.emit(is_max ? OpType::kMaxPool2D : OpType::kAveragePool2D, c.node_name(), {xi}, a,
                    c.out_name(), DType::kF32, {n, oh, ow, ch});
  c.im.define(c.out_name(), TP::FLOAT, {n, ch, oh, ow}, y, Layout::kNhwc);
}

void max_pool(NodeCtx& c) {
  pool(c, true);
}
void average_pool(NodeCtx& c) {
  pool(c, false);
}

void global_pool(NodeCtx& c, bool is_max) {
  Value& x = c.float_in(0);
  need_4d(c, x, "global pooling");
  int xi = c.im.ir_tensor(x, Layout::kNhwc);
  const int64_t n = x.shape[0], ch = x.shape[1];
  int y;
  if (is_max) {
    if (x.shape[2] > kMaxWindow || x.shape[3] > kMaxWindow) c.unsupported("window too large");
    Pool2DAttrs a;
    a.filter_h = static_cast<int>(x.shape[2]);
    a.filter_w = static_cast<int>(x.shape[3]);
    y = c.im.emit(OpType::kMaxPool2D, c.node_name(), {xi}, a, c.out_name(), DType::kF32,
                  {n, 1, 1, ch});
  } else {
    y = c.im.emit(OpType::kMean, c.node_name(), {xi}, ReduceAttrs{{1, 2}, true}, c.out_name(),
                  DType::kF32, {n, 1, 1, ch});
  }
  c.im.define(c.out_name(), TP::FLOAT, {n, ch, 1, 1}, y, Layout::kNhwc);
}

// ReduceMean (opsets 7-17: axes attribute). Runs in NHWC on an NHWC input where the
// kept axes stay in order (the spatial means of classifiers), else in ONNX order.
void reduce_mean(NodeCtx& c) {
  Value& x = c.float_in(0);
  const size_t r = x.rank();
  if (r == 0) c.bad("scalar input");
  std::vector<bool> reduce(r, false);
  std::vector<int64_t> axes = c.attr_ints("axes");
  for (int64_t a : axes) reduce[static_cast<size_t>(c.axis(a, r, "axis"))] = true;
  if (axes.empty()) reduce.assign(r, true);
  const bool keep = c.attr_int("keepdims", 1) != 0;
  Shape out;
  for (size_t d = 0; d < r; ++d)
    if (!reduce[d] || keep) out.push_back(reduce[d] ? 1 : x.shape[d]);
  bool nhwc = r == 4 && c.im.layout_of(x) == Layout::kNhwc;
  if (nhwc && !keep) {
    int last = -1;
    for (size_t d = 0; d < r; ++d) {
      if (reduce[d]) continue;
      nhwc = nhwc && kToOnnx[d] > last;
      last = kToOnnx[d];
    }
  }
  ReduceAttrs a;
  a.keep_dims = keep;
  for (size_t d = 0; d < r; ++d)
    if (reduce[d]) a.axes.push_back(nhwc ? kToOnnx[d] : static_cast<int>(d));
  std::sort(a.axes.begin(), a.axes.end());
  const bool out_nhwc = nhwc && keep;
  int xi = c.im.ir_tensor(x, nhwc ? Layout::kNhwc : Layout::kOnnx);
  int y = c.im.emit(OpType::kMean, c.node_name(), {xi}, a, c.out_name(), DType::kF32,
                    out_nhwc ? permute_shape(out, kToNhwc) : out);
  c.im.define(c.out_name(), TP::FLOAT, out, y, out_nhwc ? Layout::kNhwc : Layout::kOnnx);
}

void global_average_pool(NodeCtx& c) {
  global_pool(c, false);
}
void global_max_pool(NodeCtx& c) {
  global_pool(c, true);
}

void batch_norm(NodeCtx& c) {
  Value& x = c.float_in(0);
  if (c.opset() < 9 && c.attr_int("spatial", 1) != 1) c.unsupported_attr("spatial", "0");
  if (c.attr_int("training_mode", 0) != 0) c.unsupported_attr("training_mode", "1");
  c.require_unused_outputs_from(1, "training statistics");
  if (x.rank() < 2) c.bad("input of shape " + shape_str(x.shape) + " has no channel axis");
  const int64_t ch = x.shape[1];
  std::vector<int> params;
  const char* names[] = {"scale", "B", "mean", "var"};
  for (size_t i = 1; i <= 4; ++i) {
    const OnnxTensorData& p = float_const(c, i, names[i - 1]);
    if (p.elements() != ch)
      c.bad(std::string(names[i - 1]) + " has " + std::to_string(p.elements()) +
            " values, expected " + std::to_string(ch));
    params.push_back(c.im.add_tensor(c.in(i).name, DType::kF32, {ch}, p.data));
  }
  BatchNormAttrs a;
  a.epsilon = c.attr_float("epsilon", 1e-5f);
  auto emit_bn = [&](int xi, const Shape& s, const std::string& name) {
    return c.im.emit(OpType::kBatchNorm, c.node_name(),
                     {xi, params[0], params[1], params[2], params[3]}, a, name, DType::kF32, s);
  };
  if (x.rank() == 4) {
    int y =
        emit_bn(c.im.ir_tensor(x, Layout::kNhwc), permute_shape(x.shape, kToNhwc), c.out_name());
    c.im.define(c.out_name(), TP::FLOAT, x.shape, y, Layout::kNhwc);
  } else if (x.rank() == 2) {
    int y = emit_bn(c.im.ir_tensor(x, Layout::kOnnx), x.shape, c.out_name());
    c.im.define(c.out_name(), TP::FLOAT, x.shape, y, Layout::kOnnx);
  } else {  // move channels last and back
    const int r = static_cast<int>(x.rank());
    std::vector<int> to_last{0}, back{0, r - 1};
    for (int d = 2; d < r; ++d) to_last.push_back(d), back.push_back(d - 1);
    to_last.push_back(1);
    int t = c.im.emit_transpose(c.im.ir_tensor(x, Layout::kOnnx), to_last, c.out_name() + ":cl");
    int y = emit_bn(t, permute_shape(x.shape, to_last), c.out_name() + ":bn");
    y = c.im.emit_transpose(y, back, c.out_name());
    c.im.define(c.out_name(), TP::FLOAT, x.shape, y, Layout::kOnnx);
  }
}

// Y = alpha * A' * B' + beta * C, B constant: FullyConnected with weights alpha * B' [N, K].
void gemm(NodeCtx& c) {
  Value& a = c.float_in(0);
  if (a.rank() != 2) c.bad("A of shape " + shape_str(a.shape) + " is not 2-D");
  const bool trans_a = c.attr_int("transA", 0) != 0, trans_b = c.attr_int("transB", 0) != 0;
  const float alpha = c.attr_float("alpha", 1.0f), beta = c.attr_float("beta", 1.0f);
  const OnnxTensorData& b = float_const(c, 1, "B (weights)", /*weights=*/alpha == 1.0f);
  if (b.shape.size() != 2) c.bad("B of shape " + shape_str(b.shape) + " is not 2-D");
  const int64_t m = a.shape[trans_a ? 1 : 0], k = a.shape[trans_a ? 0 : 1];
  const int64_t n = b.shape[trans_b ? 0 : 1];
  if (k == 0 || n == 0) c.bad("empty weights " + shape_str(b.shape));
  if (b.shape[trans_b ? 1 : 0] != k)
    c.bad("A " + shape_str(a.shape) + " and B " + shape_str(b.shape) + " do not multiply");
  int w;
  if (alpha == 1.0f) {  // dequantized weights stay quantized
    w = c.im.weight_tensor(c.in(1), b, trans_b ? std::vector<int>{0, 1} : std::vector<int>{1, 0},
                           c.in(1).name + ":nk");
  } else {
    ConstData wd = trans_b ? b.data : ConstData::permuted(b.data, sizeof(float), b.shape, {1, 0});
    std::vector<float> v(static_cast<size_t>(n * k));
    std::memcpy(v.data(), wd.bytes(), v.size() * sizeof(float));
    for (float& f : v) f *= alpha;
    w = c.im.add_tensor(c.in(1).name + ":nk", DType::kF32, {n, k}, make_owned_const(v));
  }
  int ai = c.im.ir_tensor(a, Layout::kOnnx);
  if (trans_a) ai = c.im.emit_transpose(ai, {1, 0}, a.name + ":T");
  int bias = -1;
  Value* post = nullptr;  // C added after the product (run-time, or varying along M)
  if (c.has_input(2) && beta != 0.0f) {
    Value& cv = c.float_in(2);
    if (!broadcast_shapes(cv.shape, {m, n}) || broadcast_shapes(cv.shape, {m, n}) != Shape{m, n})
      c.bad("C of shape " + shape_str(cv.shape) + " does not broadcast to " + shape_str({m, n}));
    // A dequantized bias vector stays quantized: no float values needed.
    const bool dq_bias = cv.dq && beta == 1.0f && shape_elements(cv.shape) == n;
    const OnnxTensorData* cc = dq_bias ? c.im.constant_shape(cv) : c.im.constant(cv);
    const int64_t rows = cv.rank() == 2 ? cv.shape[0] : 1;
    if (cc && dq_bias) {
      OnnxTensorData flat = *cc;
      flat.shape = {n};
      bias = c.im.weight_tensor(cv, flat, {0}, cv.name + ":bias");
    } else if (cc && rows == 1) {  // a bias vector: beta * C broadcast to [N]
      std::vector<float> v(static_cast<size_t>(n));
      const std::vector<float> src = cc->as_floats();
      for (int64_t j = 0; j < n; ++j)
        v[static_cast<size_t>(j)] = beta * src[static_cast<size_t>(cc->elements() == 1 ? 0 : j)];
      bias = c.im.add_tensor(cv.name + ":bias", DType::kF32, {n}, make_owned_const(v));
    } else {
      post = &cv;
    }
  }
  const std::string fc_out = post ? c.out_name() + ":fc" : c.out_name();
  int y = c.im.emit(OpType::kFullyConnected, c.node_name(), {ai, w, bias}, FullyConnectedAttrs{},
                    fc_out, DType::kF32, {m, n});
  if (post) {
    int ci = c.im.ir_tensor(*post, Layout::kOnnx);
    if (beta != 1.0f) {
      int bs = c.im.add_tensor(c.out_name() + ":beta", DType::kF32, {},
                               make_owned_const(std::vector<float>{beta}));
      ci = c.im.emit(OpType::kMul, c.node_name() + ":beta", {ci, bs}, BinaryAttrs{},
                     post->name + ":scaled", DType::kF32, post->shape);
    }
    y = c.im.emit(OpType::kAdd, c.node_name() + ":C", {y, ci}, BinaryAttrs{}, c.out_name(),
                  DType::kF32, {m, n});
  }
  c.im.define(c.out_name(), TP::FLOAT, {m, n}, y, Layout::kOnnx);
}

// A [..., K] x B [K, N] (constant) -> FullyConnected keeping A's leading dimensions.
void matmul(NodeCtx& c) {
  Value& a = c.float_in(0);
  const OnnxTensorData& b =
      float_const(c, 1, "right operand (weights)", /*weights=*/c.in(1).rank() == 2);
  if (b.shape.empty() || b.shape.size() > 2)
    c.unsupported("right operand of shape " + shape_str(b.shape) + " (only 1-D or 2-D weights)");
  if (a.rank() == 0) c.bad("scalar left operand");
  const int64_t k = b.shape[0], n = b.shape.size() == 2 ? b.shape[1] : 1;
  if (k == 0 || n == 0) c.bad("empty weights " + shape_str(b.shape));
  if (a.shape.back() != k)
    c.bad(shape_str(a.shape) + " and " + shape_str(b.shape) + " do not multiply");
  int w;
  if (b.shape.size() == 2) {
    w = c.im.weight_tensor(c.in(1), b, {1, 0}, c.in(1).name + ":nk");
  } else {
    w = c.im.add_tensor(c.in(1).name + ":nk", DType::kF32, {n, k}, b.data);
  }
  int ai = c.im.ir_tensor(a, Layout::kOnnx);
  Shape ys = a.shape;
  ys.back() = n;
  FullyConnectedAttrs fa;
  fa.keep_num_dims = true;
  Shape onnx_out = a.shape;
  onnx_out.pop_back();
  if (b.shape.size() == 2) onnx_out.push_back(n);
  const bool squeeze = onnx_out != ys;
  int y = c.im.emit(OpType::kFullyConnected, c.node_name(), {ai, w, -1}, fa,
                    squeeze ? c.out_name() + ":fc" : c.out_name(), DType::kF32, ys);
  if (squeeze) y = c.im.emit_reshape(y, onnx_out, c.out_name());
  c.im.define(c.out_name(), TP::FLOAT, onnx_out, y, Layout::kOnnx);
}

}  // namespace

std::vector<OpEntry> nn_ops() {
  return {{"Conv", conv},
          {"MaxPool", max_pool},
          {"AveragePool", average_pool},
          {"GlobalAveragePool", global_average_pool},
          {"ReduceMean", reduce_mean},
          {"GlobalMaxPool", global_max_pool},
          {"BatchNormalization", batch_norm},
          {"Gemm", gemm},
          {"MatMul", matmul}};
}

}  // namespace edgebench::onnx_import
