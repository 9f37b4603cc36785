// One writer per IR operator. A quantized operator is written as its float operator
// between DequantizeLinear (inputs, weights) and QuantizeLinear (output), with the
// fused activation as Relu/Clip before the QuantizeLinear; in the QLinear form,
// convolutions and bias-free fully-connected layers become QLinearConv and
// QLinearMatMul. Data movement (Reshape, Transpose) runs on the integers directly.
#include <algorithm>
#include <cmath>

#include "backends/quant_arith.h"
#include "exporters/onnx/onnx_export_context.h"
#include "ir/fused_activation.h"
#include "util/error.h"

namespace edgebench::onnx_export {
namespace {

using AP = onnx::AttributeProto;

void attr_ints(onnx::NodeProto& n, const char* name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(AP::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void attr_int(onnx::NodeProto& n, const char* name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(AP::INT);
  a->set_i(v);
}
void attr_float(onnx::NodeProto& n, const char* name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(AP::FLOAT);
  a->set_f(v);
}

// NHWC axis d sits at NCHW axis kToNhwc[d].
int nchw_axis(int d) {
  return kToNhwc.at(static_cast<size_t>(d));
}

bool is_int(const Tensor& t) {
  return is_quantized_int(t.dtype);
}

bool same_quant(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.quant.scales == b.quant.scales &&
         a.quant.zero_point() == b.quant.zero_point() && !a.quant.per_channel() &&
         !b.quant.per_channel();
}

// Where a writer puts its float result: the tensor's own name when nothing follows,
// otherwise an intermediate that the activation / QuantizeLinear consumes.
struct Sink {
  Exporter& e;
  int id;
  bool more;  // an activation or a QuantizeLinear follows
  Layout layout = Layout::kIr;
  std::string name(Layout l) {
    layout = l;
    return more ? e.fresh(e.g.tensor(id).name + "_float") : e.output_name(id, l);
  }
};

const Tensor& in_t(const Exporter& e, const Node& n, size_t i) {
  return e.g.tensor(n.inputs.at(i));
}
bool has_in(const Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] >= 0;
}

std::vector<int64_t> pads_of(const Padding2D& p) {
  return {p.top, p.left, p.bottom, p.right};
}

// ---------------------------------------------------------------- float writers

// Conv2D filters OHWI -> OIHW; depthwise [1,KH,KW,C*m] -> [C*m,1,KH,KW].
std::vector<int> filter_perm(const Node& n) {
  return n.op == OpType::kConv2D ? std::vector<int>{0, 3, 1, 2} : std::vector<int>{3, 0, 1, 2};
}

void conv_attrs(onnx::NodeProto& c, const Node& n, const Tensor& x, const Tensor& w) {
  const auto& a = n.attr<Conv2DAttrs>();
  attr_ints(c, "kernel_shape", {w.shape[1], w.shape[2]});
  attr_ints(c, "strides", {a.stride_h, a.stride_w});
  attr_ints(c, "dilations", {a.dilation_h, a.dilation_w});
  attr_ints(c, "pads", pads_of(a.pad));
  attr_int(c, "group", n.op == OpType::kConv2D ? a.groups : x.shape[3]);
}

std::string write_conv(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  const Tensor& w = in_t(e, n, 1);
  std::vector<std::string> in{e.float_value(n.inputs[0], Layout::kNchw),
                              e.float_weight(n.inputs[1], filter_perm(n))};
  if (has_in(n, 2)) in.push_back(e.float_bias(n.inputs[2], x, w));
  const std::string out = s.name(Layout::kNchw);
  conv_attrs(e.node("Conv", in, {out}, n.name), n, x, w);
  return out;
}

std::string reshape(Exporter& e, const std::string& x, const Shape& s, const std::string& out) {
  e.node("Reshape", {x, e.ints_init(out + "_shape", s)}, {out}, out);
  return out;
}

std::string write_fully_connected(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  const Tensor& w = in_t(e, n, 1);
  const Tensor& y = e.g.tensor(n.outputs[0]);
  const int64_t k = w.shape[1];
  std::string a = e.float_value(n.inputs[0], Layout::kIr);
  const Shape flat{x.elements() / k, k};
  if (x.shape != flat) a = reshape(e, a, flat, e.fresh(a + "_2d"));
  std::vector<std::string> in{a, e.float_weight(n.inputs[1], {})};
  if (has_in(n, 2)) in.push_back(e.float_bias(n.inputs[2], x, w));
  const bool back = y.shape.size() != 2;
  const std::string out = s.name(Layout::kIr);
  const std::string gemm_out = back ? e.fresh(out + "_2d") : out;
  attr_int(e.node("Gemm", in, {gemm_out}, n.name), "transB", 1);
  if (back) reshape(e, gemm_out, y.shape, out);
  return out;
}

// A binary operand in layout `l`: 4-D operands permuted, scalars as they are, other
// ranks padded to 4-D (NumPy aligns trailing axes) and permuted.
std::string binary_operand(Exporter& e, int id, Layout l) {
  const Tensor& t = e.g.tensor(id);
  if (l == Layout::kIr || t.elements() <= 1) return e.float_value(id, Layout::kIr);
  if (t.shape.size() == 4) return e.float_value(id, Layout::kNchw);
  Shape s(4 - t.shape.size(), 1);
  s.insert(s.end(), t.shape.begin(), t.shape.end());
  std::string v = reshape(e, e.float_value(id, Layout::kIr), s, e.fresh(t.name + "_4d"));
  return e.transpose(v, kToNchw, e.fresh(t.name + "_4d_nchw"));
}

std::string write_binary(Exporter& e, const Node& n, Sink& s) {
  static const char* kOps[] = {"Add", "Sub", "Mul", "Div"};
  const char* op = kOps[static_cast<int>(n.op) - static_cast<int>(OpType::kAdd)];
  const Tensor& y = e.g.tensor(n.outputs[0]);
  Layout l = Layout::kIr;
  if (y.shape.size() == 4)
    for (int id : n.inputs)
      if (!e.g.tensor(id).is_const() && e.g.tensor(id).shape.size() == 4 &&
          e.native(id) == Layout::kNchw)
        l = Layout::kNchw;
  std::string a = binary_operand(e, n.inputs[0], l), b = binary_operand(e, n.inputs[1], l);
  const std::string out = s.name(l);
  e.node(op, {a, b}, {out}, n.name);
  return out;
}

std::string write_pool(Exporter& e, const Node& n, Sink& s) {
  const auto& a = n.attr<Pool2DAttrs>();
  const bool avg = n.op == OpType::kAveragePool2D;
  std::string x = e.float_value(n.inputs[0], Layout::kNchw);
  const std::string out = s.name(Layout::kNchw);
  onnx::NodeProto& p = e.node(avg ? "AveragePool" : "MaxPool", {x}, {out}, n.name);
  attr_ints(p, "kernel_shape", {a.filter_h, a.filter_w});
  attr_ints(p, "strides", {a.stride_h, a.stride_w});
  attr_ints(p, "pads", pads_of(a.pad));
  if (avg && a.count_include_pad) attr_int(p, "count_include_pad", 1);
  return out;
}

std::string write_mean(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  const auto& a = n.attr<ReduceAttrs>();
  // In NCHW the kept axes must stay in the same order (true for the spatial means
  // of classifiers, axes {1,2}); otherwise reduce in IR order.
  bool nchw = x.shape.size() == 4 && e.native(n.inputs[0]) == Layout::kNchw;
  std::vector<int64_t> axes;
  if (nchw) {
    std::vector<int> kept;
    for (int i = 0; i < 4; ++i)
      if (std::find(a.axes.begin(), a.axes.end(), kToNchw[static_cast<size_t>(i)]) == a.axes.end())
        kept.push_back(kToNchw[static_cast<size_t>(i)]);
    nchw = a.keep_dims || std::is_sorted(kept.begin(), kept.end());
  }
  for (int d : a.axes) axes.push_back(nchw ? nchw_axis(d) : d);
  std::sort(axes.begin(), axes.end());
  std::string v = e.float_value(n.inputs[0], nchw ? Layout::kNchw : Layout::kIr);
  const Layout out_l = nchw && a.keep_dims ? Layout::kNchw : Layout::kIr;
  const std::string out = s.name(out_l);
  onnx::NodeProto& r = e.node("ReduceMean", {v}, {out}, n.name);
  attr_ints(r, "axes", axes);
  attr_int(r, "keepdims", a.keep_dims ? 1 : 0);
  return out;
}

std::string write_concat(Exporter& e, const Node& n, Sink& s) {
  const Tensor& y = e.g.tensor(n.outputs[0]);
  bool nchw = false;
  if (y.shape.size() == 4)
    for (int id : n.inputs)
      nchw = nchw || (!e.g.tensor(id).is_const() && e.native(id) == Layout::kNchw);
  const Layout l = nchw ? Layout::kNchw : Layout::kIr;
  std::vector<std::string> in;
  for (int id : n.inputs) in.push_back(e.float_value(id, l));
  const std::string out = s.name(l);
  const int axis = n.attr<ConcatAttrs>().axis;
  attr_int(e.node("Concat", in, {out}, n.name), "axis", nchw ? nchw_axis(axis) : axis);
  return out;
}

std::string write_reshape(Exporter& e, const Node& n, Sink& s) {
  std::string x = e.float_value(n.inputs[0], Layout::kIr);
  return reshape(e, x, e.g.tensor(n.outputs[0]).shape, s.name(Layout::kIr));
}

// The ONNX value of `id` and the perm that applies IR perm `perm` to it.
std::pair<Layout, std::vector<int>> transpose_plan(Exporter& e, int id,
                                                   const std::vector<int>& perm) {
  if (e.g.tensor(id).shape.size() != 4 || e.native(id) != Layout::kNchw) return {Layout::kIr, perm};
  std::vector<int> q(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) q[i] = nchw_axis(perm[i]);
  return {Layout::kNchw, q};
}

std::string write_transpose(Exporter& e, const Node& n, Sink& s) {
  auto [l, q] = transpose_plan(e, n.inputs[0], n.attr<TransposeAttrs>().perm);
  std::string x = e.float_value(n.inputs[0], l);
  const std::string out = s.name(Layout::kIr);
  std::string v = e.transpose(x, q, out);
  if (v != out) e.node("Identity", {v}, {out}, out);  // cancelled against an earlier transpose
  return out;
}

std::string write_pad(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  const auto& a = n.attr<PadAttrs>();
  const bool nchw = x.shape.size() == 4 && e.native(n.inputs[0]) == Layout::kNchw;
  const size_t r = x.shape.size();
  std::vector<int64_t> pads(2 * r);
  for (size_t i = 0; i < r; ++i) {
    const size_t d = nchw ? static_cast<size_t>(kToNchw[i]) : i;  // IR axis at ONNX axis i
    pads[i] = a.before[d];
    pads[i + r] = a.after[d];
  }
  std::string v = e.float_value(n.inputs[0], nchw ? Layout::kNchw : Layout::kIr);
  const std::string out = s.name(nchw ? Layout::kNchw : Layout::kIr);
  std::vector<std::string> in{v, e.ints_init(out + "_pads", pads)};
  if (a.value != 0.0f) in.push_back(e.floats_init(out + "_value", {a.value}, {}));
  e.node("Pad", in, {out}, n.name);
  return out;
}

std::string write_softmax(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  const float beta = n.attr<SoftmaxAttrs>().beta;
  const bool nchw = x.shape.size() == 4 && e.native(n.inputs[0]) == Layout::kNchw;
  const Layout l = nchw ? Layout::kNchw : Layout::kIr;
  std::string v = e.float_value(n.inputs[0], l);
  if (beta != 1.0f) {
    const std::string scaled = e.fresh(v + "_beta");
    e.node("Mul", {v, e.floats_init(scaled + "_value", {beta}, {})}, {scaled}, scaled);
    v = scaled;
  }
  const std::string out = s.name(l);
  attr_int(e.node("Softmax", {v}, {out}, n.name), "axis", nchw ? 1 : -1);
  return out;
}

// Element-wise operators keep their input's layout.
std::string write_unary(Exporter& e, const Node& n, Sink& s) {
  const Layout l = e.native(n.inputs[0]);
  std::string v = e.float_value(n.inputs[0], l);
  const std::string out = s.name(l);
  switch (n.op) {
    case OpType::kLogistic: e.node("Sigmoid", {v}, {out}, n.name); break;
    case OpType::kRelu: e.node("Relu", {v}, {out}, n.name); break;
    case OpType::kRelu6: e.activation(v, make_activation(ActivationKind::kRelu6), out); break;
    default: {
      const auto& c = n.attr<ClipAttrs>();
      e.activation(v, make_activation(ActivationKind::kClip, c.min, c.max), out);
    }
  }
  return out;
}

std::string write_batch_norm(Exporter& e, const Node& n, Sink& s) {
  const Tensor& x = in_t(e, n, 0);
  if (x.shape.size() != 4 && x.shape.size() != 2)
    e.unsupported(n, "batch normalization of a rank-" + std::to_string(x.shape.size()) +
                         " tensor (only 2-D and 4-D)");
  const Layout l = x.shape.size() == 4 ? Layout::kNchw : Layout::kIr;
  std::vector<std::string> in{e.float_value(n.inputs[0], l)};
  for (size_t i = 1; i <= 4; ++i) {
    if (!in_t(e, n, i).is_const()) e.unsupported(n, "batch-norm parameters must be constants");
    in.push_back(e.float_weight(n.inputs[i], {}));
  }
  const std::string out = s.name(l);
  attr_float(e.node("BatchNormalization", in, {out}, n.name), "epsilon",
             n.attr<BatchNormAttrs>().epsilon);
  return out;
}

std::string write_float_op(Exporter& e, const Node& n, Sink& s) {
  switch (n.op) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D: return write_conv(e, n, s);
    case OpType::kFullyConnected: return write_fully_connected(e, n, s);
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv: return write_binary(e, n, s);
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: return write_pool(e, n, s);
    case OpType::kMean: return write_mean(e, n, s);
    case OpType::kConcat: return write_concat(e, n, s);
    case OpType::kReshape: return write_reshape(e, n, s);
    case OpType::kTranspose: return write_transpose(e, n, s);
    case OpType::kPad: return write_pad(e, n, s);
    case OpType::kSoftmax: return write_softmax(e, n, s);
    case OpType::kLogistic:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip: return write_unary(e, n, s);
    case OpType::kBatchNorm: return write_batch_norm(e, n, s);
    case OpType::kQuantize:
    case OpType::kDequantize: break;
  }
  e.unsupported(n, "no ONNX form for this operator");
}

// ------------------------------------------------------------- QLinear writers

// The fused activation clamps nothing beyond the output type's range (QLinear
// operators have no activation; a narrower clamp keeps the QDQ form).
bool activation_is_saturation(const FusedActivation& act, const Tensor& y) {
  const quant::QuantizedRange r = quant::quantized_activation_range(
      act, y.dtype, y.quant.scale(), static_cast<int32_t>(y.quant.zero_point()));
  return r.min == quant::qmin(y.dtype) && r.max == quant::qmax(y.dtype);
}

bool write_qlinear(Exporter& e, const Node& n) {
  const Tensor& x = in_t(e, n, 0);
  const Tensor& w = in_t(e, n, 1);
  const Tensor& y = e.g.tensor(n.outputs[0]);
  if (!is_int(x) || !is_int(w) || !is_int(y) || x.quant.per_channel() || y.quant.per_channel())
    return false;
  if (has_in(n, 2) && in_t(e, n, 2).dtype != DType::kI32) return false;
  if (!activation_is_saturation(*fused_activation(n), y)) return false;
  if (n.op == OpType::kFullyConnected) {
    if (has_in(n, 2) || w.quant.per_channel()) return false;  // QDQ Gemm keeps the bias exact
    const int64_t k = w.shape[1];
    std::string a = e.value(n.inputs[0], Layout::kIr);
    const Shape flat{x.elements() / k, k};
    if (x.shape != flat) a = reshape(e, a, flat, e.fresh(a + "_2d"));
    const bool back = y.shape.size() != 2;
    const std::string out = e.output_name(n.outputs[0], Layout::kIr);
    const std::string mm = back ? e.fresh(out + "_2d") : out;
    e.node("QLinearMatMul",
           {a, e.scale_init(x), e.zero_point_init(x), e.int_weight(n.inputs[1], {1, 0}),
            e.scale_init(w), e.zero_point_init(w), e.scale_init(y), e.zero_point_init(y)},
           {mm}, n.name);
    if (back) reshape(e, mm, y.shape, out);
    e.define(n.outputs[0], Layout::kIr, out);
    return true;
  }
  std::vector<std::string> in{e.value(n.inputs[0], Layout::kNchw),
                              e.scale_init(x),
                              e.zero_point_init(x),
                              e.int_weight(n.inputs[1], filter_perm(n)),
                              e.scale_init(w),
                              e.zero_point_init(w),
                              e.scale_init(y),
                              e.zero_point_init(y)};
  if (has_in(n, 2)) in.push_back(e.int_weight(n.inputs[2], {}));
  const std::string out = e.output_name(n.outputs[0], Layout::kNchw);
  conv_attrs(e.node("QLinearConv", in, {out}, n.name), n, x, w);
  e.define(n.outputs[0], Layout::kNchw, out);
  return true;
}

int quant_axis(const Tensor& t, Layout l) {
  if (!t.quant.per_channel()) return -1;
  return l == Layout::kNchw ? nchw_axis(t.quant.axis) : t.quant.axis;
}

}  // namespace

void export_node(Exporter& e, const Node& n, size_t /*index*/) {
  const int yid = n.outputs.at(0);
  const Tensor& y = e.g.tensor(yid);
  const Tensor& x = in_t(e, n, 0);
  if (n.op == OpType::kQuantize || n.op == OpType::kDequantize) {
    const Layout l = e.native(n.inputs[0]);
    if (n.op == OpType::kDequantize) {
      if (!is_int(x)) e.unsupported(n, "dequantize from " + std::string(dtype_name(x.dtype)));
      e.define(yid, l,
               e.dequantize(e.value(n.inputs[0], l), x, quant_axis(x, l), e.output_name(yid, l)));
      return;
    }
    const std::string v = e.float_value(n.inputs[0], l);  // requantization: DQ then Q
    e.define(yid, l, e.quantize(v, y, quant_axis(y, l), e.output_name(yid, l)));
    return;
  }
  // Data movement on integers with unchanged parameters needs no QDQ.
  if ((n.op == OpType::kReshape || n.op == OpType::kTranspose) && is_int(x) && same_quant(x, y)) {
    if (n.op == OpType::kReshape) {
      const std::string out = e.output_name(yid, Layout::kIr);
      e.define(yid, Layout::kIr, reshape(e, e.value(n.inputs[0], Layout::kIr), y.shape, out));
    } else {
      auto [l, q] = transpose_plan(e, n.inputs[0], n.attr<TransposeAttrs>().perm);
      const std::string out = e.output_name(yid, Layout::kIr);
      std::string v = e.transpose(e.value(n.inputs[0], l), q, out);
      if (v != out) e.node("Identity", {v}, {out}, out);
      e.define(yid, Layout::kIr, out);
    }
    return;
  }
  if (e.qlinear() && (n.op == OpType::kConv2D || n.op == OpType::kDepthwiseConv2D ||
                      n.op == OpType::kFullyConnected))
    if (write_qlinear(e, n)) return;
  if (y.dtype != DType::kF32 && !is_int(y))
    e.unsupported(n, "output of type " + std::string(dtype_name(y.dtype)));
  const FusedActivation* act = fused_activation(n);
  const bool quantized = is_int(y);
  // A clamp that quantization's saturation already applies is left out: clamping the
  // float result first gives the same integers, and without it ONNX Runtime fuses
  // DequantizeLinear -> operator -> QuantizeLinear into its integer kernels.
  const bool has_act = act && act->kind != ActivationKind::kNone &&
                       !(quantized && !y.quant.per_channel() && activation_is_saturation(*act, y));
  Sink s{e, yid, has_act || quantized};
  std::string v = write_float_op(e, n, s);
  if (has_act)
    v = e.activation(v, *act, quantized ? e.fresh(y.name + "_act") : e.output_name(yid, s.layout));
  if (quantized) v = e.quantize(v, y, quant_axis(y, s.layout), e.output_name(yid, s.layout));
  e.define(yid, s.layout, v);
}

}  // namespace edgebench::onnx_export
