// TFLite operators -> IR nodes. Each mapping reads the operator's options, checks what the
// IR's verifier cannot know (operand types, constness, TFLite-only conventions) and leaves
// shape consistency to verify(), which runs on the finished graph.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "importers/tflite/tflite_reader.h"

namespace edgebench::tflite_import {
namespace {

using BO = tflite::BuiltinOperator;

constexpr int kMaxWindowParam = 1 << 16;  // strides, dilations, pool sizes (verify: 4096)

void check_window_param(const OpContext& c, int64_t v, const char* what) {
  c.need(v >= 1 && v <= kMaxWindowParam,
         std::string(what) + " " + std::to_string(v) + " is out of range");
}

// TFLite's ComputePaddingHeightWidth for one spatial dimension (kernels/padding.h):
// SAME: out = ceil(in / stride); VALID: out = (in - effective_k) / stride + 1. The total
// padding is what the last window needs, never negative (so VALID pads nothing); the odd
// cell goes after.
void resolve_padding(const OpContext& c, tflite::Padding mode, int64_t in, int64_t k, int stride,
                     int dilation, int* before, int* after) {
  c.need(mode == tflite::Padding::SAME || mode == tflite::Padding::VALID,
         "unknown padding mode " + std::to_string(static_cast<int>(mode)));
  c.need(k >= 1, "window size must be positive");
  const int64_t eff = (k - 1) * dilation + 1;
  const int64_t out =
      mode == tflite::Padding::SAME ? (in + stride - 1) / stride : (in + stride - eff) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + eff - in, 0);
  c.need(total <= INT_MAX, "padding is out of range");
  *before = static_cast<int>(total / 2);
  *after = static_cast<int>(total - total / 2);
}

void need_rank(const OpContext& c, const Tensor& t, size_t rank) {
  c.need(t.shape.size() == rank, "operand '" + t.name + "' has shape " + shape_str(t.shape) +
                                     ", expected rank " + std::to_string(rank));
}

std::string types_str(const OpContext& c, std::initializer_list<int> ids) {
  std::string s;
  for (int id : ids) {
    if (!s.empty()) s += ", ";
    s += id < 0 ? "none" : std::string(dtype_name(c.t(id).dtype));
  }
  return s;
}

// Operand types of Conv2D / DepthwiseConv2D / FullyConnected the IR runs: all float of one
// type, or u8/i8 activations and weights with int32 bias (TFLite's quantized kernels).
// Hybrid models (float activations, int8 weights) are not supported. Weights and bias must
// be constants; only they may be quantized per channel (weights along `channel_axis`).
void check_weighted(const OpContext& c, int x, int w, int b, int y, int channel_axis) {
  const DType xt = c.t(x).dtype;
  bool ok = c.t(w).dtype == xt && c.t(y).dtype == xt;
  if (xt == DType::kF32 || xt == DType::kF16)
    ok = ok && (b < 0 || c.t(b).dtype == xt);
  else if (is_quantized_int(xt))
    ok = ok && (b < 0 || c.t(b).dtype == DType::kI32);
  else
    ok = false;
  if (!ok)
    c.fail(ErrorCode::kUnsupported, "operand types (input, filter, bias, output) = (" +
                                        types_str(c, {x, w, b, y}) + ") are not supported");
  if (!c.t(w).is_const() || (b >= 0 && !c.t(b).is_const()))
    c.fail(ErrorCode::kUnsupported, "non-constant weights or bias are not supported");
  c.need_per_tensor(x);
  c.need_per_tensor(y);
  if (c.t(w).quant.per_channel() && c.t(w).quant.axis != channel_axis)
    c.fail(ErrorCode::kUnsupported, "per-channel weights along axis " +
                                        std::to_string(c.t(w).quant.axis) + " are not supported");
}

Node node(OpType op, std::vector<int> inputs, int output, Attrs attrs = NoAttrs{}) {
  Node n;
  n.op = op;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  n.attrs = std::move(attrs);
  return n;
}

Node conv2d(OpContext& c) {
  c.need_inputs(2, 3);
  const auto* o = c.required_options<tflite::Conv2DOptions>();
  const int x = c.input(0), w = c.input(1), b = c.optional_input(2), y = c.output();
  check_weighted(c, x, w, b, y, 0);
  const Tensor& X = c.t(x);
  const Tensor& W = c.t(w);
  need_rank(c, X, 4);
  need_rank(c, W, 4);
  Conv2DAttrs a;
  a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
  a.dilation_h = o->dilation_h_factor(), a.dilation_w = o->dilation_w_factor();
  check_window_param(c, a.stride_h, "stride");
  check_window_param(c, a.stride_w, "stride");
  check_window_param(c, a.dilation_h, "dilation");
  check_window_param(c, a.dilation_w, "dilation");
  resolve_padding(c, o->padding(), X.shape[1], W.shape[1], a.stride_h, a.dilation_h, &a.pad.top,
                  &a.pad.bottom);
  resolve_padding(c, o->padding(), X.shape[2], W.shape[2], a.stride_w, a.dilation_w, &a.pad.left,
                  &a.pad.right);
  // TFLite's filter is OHWI already; a filter narrower than the input means grouped conv.
  const int64_t cin = X.shape[3], fin = W.shape[3];
  c.need(fin > 0 && cin % fin == 0 && cin / fin <= INT_MAX,
         "filter " + shape_str(W.shape) + " does not match " + std::to_string(cin) +
             " input channels");
  a.groups = static_cast<int>(cin / fin);
  a.act = c.activation(o->fused_activation_function());
  return node(OpType::kConv2D, {x, w, b}, y, a);
}

Node depthwise_conv2d(OpContext& c) {
  c.need_inputs(2, 3);
  const auto* o = c.required_options<tflite::DepthwiseConv2DOptions>();
  const int x = c.input(0), w = c.input(1), b = c.optional_input(2), y = c.output();
  check_weighted(c, x, w, b, y, 3);
  const Tensor& X = c.t(x);
  const Tensor& W = c.t(w);
  need_rank(c, X, 4);
  need_rank(c, W, 4);
  Conv2DAttrs a;
  a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
  a.dilation_h = o->dilation_h_factor(), a.dilation_w = o->dilation_w_factor();
  check_window_param(c, a.stride_h, "stride");
  check_window_param(c, a.stride_w, "stride");
  check_window_param(c, a.dilation_h, "dilation");
  check_window_param(c, a.dilation_w, "dilation");
  resolve_padding(c, o->padding(), X.shape[1], W.shape[1], a.stride_h, a.dilation_h, &a.pad.top,
                  &a.pad.bottom);
  resolve_padding(c, o->padding(), X.shape[2], W.shape[2], a.stride_w, a.dilation_w, &a.pad.left,
                  &a.pad.right);
  // Like TFLite since 2.x, derive the multiplier from the shapes; the stored
  // depth_multiplier option is redundant and ignored.
  const int64_t cin = X.shape[3], cout = W.shape[3];
  c.need(cin > 0 && cout % cin == 0 && cout / cin <= INT_MAX,
         "depthwise filter " + shape_str(W.shape) + " does not match " + std::to_string(cin) +
             " input channels");
  a.depth_multiplier = static_cast<int>(cout / cin);
  a.act = c.activation(o->fused_activation_function());
  return node(OpType::kDepthwiseConv2D, {x, w, b}, y, a);
}

Node fully_connected(OpContext& c) {
  c.need_inputs(2, 3);
  const auto* o = c.options<tflite::FullyConnectedOptions>();
  if (o && o->weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
    c.fail(ErrorCode::kUnsupported, "weights format " +
                                        std::to_string(static_cast<int>(o->weights_format())) +
                                        " is not supported");
  const int x = c.input(0), w = c.input(1), b = c.optional_input(2), y = c.output();
  check_weighted(c, x, w, b, y, 0);
  FullyConnectedAttrs a;
  a.keep_num_dims = o && o->keep_num_dims();
  a.act = c.activation(o ? o->fused_activation_function() : tflite::ActivationFunctionType::NONE);
  return node(OpType::kFullyConnected, {x, w, b}, y, a);
}

// All operands of an element-wise or concatenating operator share the output's type and are
// quantized per tensor.
void check_same_types(const OpContext& c, const std::vector<int>& inputs, int y) {
  for (int id : inputs) {
    c.need(c.t(id).dtype == c.t(y).dtype,
           "input '" + c.t(id).name + "' is " + std::string(dtype_name(c.t(id).dtype)) +
               ", output is " + std::string(dtype_name(c.t(y).dtype)));
    c.need_per_tensor(id);
  }
  c.need_per_tensor(y);
}

template <typename Options>
Node binary(OpContext& c, OpType op) {
  c.need_inputs(2, 2);
  const auto* o = c.options<Options>();
  const int a = c.input(0), b = c.input(1), y = c.output();
  check_same_types(c, {a, b}, y);
  BinaryAttrs attrs;
  attrs.act =
      c.activation(o ? o->fused_activation_function() : tflite::ActivationFunctionType::NONE);
  return node(op, {a, b}, y, attrs);
}

Node pool2d(OpContext& c, OpType op) {
  c.need_inputs(1, 1);
  const auto* o = c.required_options<tflite::Pool2DOptions>();
  const int x = c.input(0), y = c.output();
  check_same_types(c, {x}, y);
  const Tensor& X = c.t(x);
  need_rank(c, X, 4);
  Pool2DAttrs a;
  a.filter_h = o->filter_height(), a.filter_w = o->filter_width();
  a.stride_h = o->stride_h(), a.stride_w = o->stride_w();
  check_window_param(c, a.filter_h, "filter size");
  check_window_param(c, a.filter_w, "filter size");
  check_window_param(c, a.stride_h, "stride");
  check_window_param(c, a.stride_w, "stride");
  resolve_padding(c, o->padding(), X.shape[1], a.filter_h, a.stride_h, 1, &a.pad.top,
                  &a.pad.bottom);
  resolve_padding(c, o->padding(), X.shape[2], a.filter_w, a.stride_w, 1, &a.pad.left,
                  &a.pad.right);
  a.count_include_pad = false;  // TFLite averages over the cells inside the input only
  a.act = c.activation(o->fused_activation_function());
  return node(op, {x}, y, a);
}

Node mean(OpContext& c) {
  c.need_inputs(2, 2);
  const auto* o = c.options<tflite::ReducerOptions>();
  const int x = c.input(0), y = c.output();
  check_same_types(c, {x}, y);
  const Tensor axes_t = c.peek_input(1);
  const auto rank = static_cast<int64_t>(c.t(x).shape.size());
  ReduceAttrs a;
  a.keep_dims = o && o->keep_dims();
  for (int64_t ax : c.const_ints(axes_t, 64)) {
    const int64_t norm = ax < 0 ? ax + rank : ax;
    c.need(norm >= 0 && norm < rank,
           "axis " + std::to_string(ax) + " is out of range for rank " + std::to_string(rank));
    a.axes.push_back(static_cast<int>(norm));
  }
  std::sort(a.axes.begin(), a.axes.end());
  a.axes.erase(std::unique(a.axes.begin(), a.axes.end()), a.axes.end());
  return node(OpType::kMean, {x}, y, a);
}

Node concatenation(OpContext& c) {
  c.need_inputs(1, SIZE_MAX);
  const auto* o = c.options<tflite::ConcatenationOptions>();
  std::vector<int> inputs;
  for (size_t i = 0; i < c.num_inputs(); ++i) inputs.push_back(c.input(i));
  const int y = c.output();
  check_same_types(c, inputs, y);
  const auto rank = static_cast<int64_t>(c.t(y).shape.size());
  const int64_t axis = o ? o->axis() : 0;
  const int64_t norm = axis < 0 ? axis + rank : axis;
  c.need(norm >= 0 && norm < rank,
         "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  ConcatAttrs a;
  a.axis = static_cast<int>(norm);
  a.act = c.activation(o ? o->fused_activation_function() : tflite::ActivationFunctionType::NONE);
  return node(OpType::kConcat, std::move(inputs), y, a);
}

// RESHAPE and SQUEEZE: the declared output shape is the result; the shape operand is dropped.
Node reshape(OpContext& c, size_t max_inputs) {
  c.need_inputs(1, max_inputs);
  const int x = c.input(0), y = c.output();
  check_same_types(c, {x}, y);
  return node(OpType::kReshape, {x}, y);
}

Node softmax(OpContext& c) {
  c.need_inputs(1, 1);
  const auto* o = c.required_options<tflite::SoftmaxOptions>();
  const int x = c.input(0), y = c.output();
  check_same_types(c, {x}, y);
  c.need(std::isfinite(o->beta()), "beta is not finite");
  c.need(!c.t(x).shape.empty(), "input must have rank 1 or more");
  SoftmaxAttrs a;
  a.beta = o->beta();
  a.axis = static_cast<int>(c.t(x).shape.size()) - 1;
  return node(OpType::kSoftmax, {x}, y, a);
}

Node unary(OpContext& c, OpType op) {
  c.need_inputs(1, 1);
  const int x = c.input(0), y = c.output();
  if (op != OpType::kQuantize && op != OpType::kDequantize) check_same_types(c, {x}, y);
  c.need_per_tensor(x);
  c.need_per_tensor(y);
  return node(op, {x}, y);
}

// The real value a one-element constant holds (PADV2's constant_values).
float scalar_value(const OpContext& c, const Tensor& v) {
  auto raw = [&](auto x) {
    std::memcpy(&x, v.data.bytes(), sizeof(x));
    return x;
  };
  switch (v.dtype) {
    case DType::kF32: {
      float f = raw(float{});
      c.need(std::isfinite(f), "pad value is not finite");
      return f;
    }
    case DType::kI32: return static_cast<float>(raw(int32_t{}));
    case DType::kI64: return static_cast<float>(raw(int64_t{}));
    case DType::kU8:
    case DType::kI8: {
      c.need(v.quant.scales.size() == 1, "quantized pad value has no quantization parameters");
      const int64_t q = v.dtype == DType::kU8 ? raw(uint8_t{}) : raw(int8_t{});
      return v.quant.scale() * static_cast<float>(q - v.quant.zero_point());
    }
    default:
      c.fail(ErrorCode::kUnsupported,
             "pad value of type " + std::string(dtype_name(v.dtype)) + " is not supported");
  }
}

Node pad(OpContext& c, bool v2) {
  c.need_inputs(2, v2 ? 3 : 2);
  const int x = c.input(0), y = c.output();
  check_same_types(c, {x}, y);
  const Tensor pads = c.peek_input(1);
  const size_t rank = c.t(x).shape.size();
  const auto v = c.const_ints(pads, 2 * rank);
  c.need(pads.shape == Shape{static_cast<int64_t>(rank), 2},
         "paddings '" + pads.name + "' has shape " + shape_str(pads.shape) + ", expected " +
             std::to_string(rank) + "x2");
  PadAttrs a;
  for (size_t d = 0; d < rank; ++d) {
    c.need(v[2 * d] >= 0 && v[2 * d + 1] >= 0, "padding must be non-negative");
    a.before.push_back(v[2 * d]);
    a.after.push_back(v[2 * d + 1]);
  }
  if (v2 && c.has_input(2)) {
    const Tensor value = c.peek_input(2);
    c.need(value.is_const() && value.elements() == 1 && value.dtype == c.t(x).dtype,
           "constant_values must be a one-element constant of the input's type");
    a.value = scalar_value(c, value);
  }
  return node(OpType::kPad, {x}, y, a);
}

}  // namespace

Node map_operator(OpContext& c, tflite::BuiltinOperator code) {
  switch (code) {
    case BO::CONV_2D: return conv2d(c);
    case BO::DEPTHWISE_CONV_2D: return depthwise_conv2d(c);
    case BO::FULLY_CONNECTED: return fully_connected(c);
    case BO::ADD: return binary<tflite::AddOptions>(c, OpType::kAdd);
    case BO::MUL: return binary<tflite::MulOptions>(c, OpType::kMul);
    case BO::AVERAGE_POOL_2D: return pool2d(c, OpType::kAveragePool2D);
    case BO::MAX_POOL_2D: return pool2d(c, OpType::kMaxPool2D);
    case BO::MEAN: return mean(c);
    case BO::CONCATENATION: return concatenation(c);
    case BO::RESHAPE: return reshape(c, 2);
    case BO::SQUEEZE: return reshape(c, 1);
    case BO::SOFTMAX: return softmax(c);
    case BO::LOGISTIC: return unary(c, OpType::kLogistic);
    case BO::RELU: return unary(c, OpType::kRelu);
    case BO::RELU6: return unary(c, OpType::kRelu6);
    case BO::QUANTIZE: return unary(c, OpType::kQuantize);
    case BO::DEQUANTIZE: return unary(c, OpType::kDequantize);
    case BO::PAD: return pad(c, false);
    case BO::PADV2: return pad(c, true);
    default: c.fail_unsupported_operator();
  }
}

}  // namespace edgebench::tflite_import
