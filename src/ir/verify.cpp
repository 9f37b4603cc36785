// Shape inference and consistency checks. Runs after import and after every
// pass, so backends may assume a verified graph.
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

#include "ir/graph.h"
#include "util/error.h"

namespace edgebench {
namespace {

struct Checker {
  Graph& g;
  size_t index;
  const Node& n;
  // Tensors computed by a Dequantize of a constant: weights as an ONNX QDQ model
  // states them, between import and the fold_qdq pass (which makes them constants).
  const std::vector<bool>& dequantized_const;

  bool constant(const Tensor& t) const {
    return t.is_const() || dequantized_const[static_cast<size_t>(&t - g.tensors.data())];
  }

  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorCode::kModel, g.source,
         "node " + std::to_string(index) + " (" + std::string(op_name(n.op)) + " '" + n.name +
             "'): " + what);
  }
  // `what` is a message, or a function making one: messages built only on
  // failure (verify runs on every node after import and after the passes).
  template <typename What>
  void need(bool ok, const What& what) const {
    if (ok) return;
    if constexpr (std::is_invocable_v<What>)
      bad(what());
    else
      bad(what);
  }
  const Tensor& in(size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i] < 0) bad("missing input " + std::to_string(i));
    return g.tensor(n.inputs[i]);
  }
  bool has_in(size_t i) const { return i < n.inputs.size() && n.inputs[i] >= 0; }
  void rank(const Tensor& t, size_t r) const {
    need(t.shape.size() == r, [&] {
      return "tensor '" + t.name + "' has shape " + shape_str(t.shape) + ", expected rank " +
             std::to_string(r);
    });
  }
};

int64_t conv_out(int64_t in, int pad_a, int pad_b, int k, int stride, int dil) {
  int64_t eff = static_cast<int64_t>(k - 1) * dil + 1;
  int64_t span = in + pad_a + pad_b - eff;
  return span < 0 ? 0 : span / stride + 1;
}

Shape broadcast(const Checker& c, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    c.need(da == db || da == 1 || db == 1,
           [&] { return "shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast"; });
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_window(const Checker& c, int kh, int kw, int sh, int sw, int dh, int dw,
                  const Padding2D& p) {
  c.need(kh > 0 && kw > 0, "window must be positive");
  c.need(sh > 0 && sw > 0 && dh > 0 && dw > 0, "strides and dilations must be positive");
  c.need(p.top >= 0 && p.left >= 0 && p.bottom >= 0 && p.right >= 0,
         "padding must be non-negative");
  c.need(kh <= 4096 && kw <= 4096 && sh <= 4096 && sw <= 4096 && dh <= 4096 && dw <= 4096 &&
             p.top <= 4096 && p.left <= 4096 && p.bottom <= 4096 && p.right <= 4096,
         "window, stride, dilation or padding out of range");
}

Shape infer(const Checker& c) {
  const Node& n = c.n;
  switch (n.op) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D: {
      const Tensor& x = c.in(0);
      const Tensor& w = c.in(1);
      c.rank(x, 4);
      c.rank(w, 4);
      const auto& a = n.attr<Conv2DAttrs>();
      check_window(c, static_cast<int>(w.shape[1]), static_cast<int>(w.shape[2]), a.stride_h,
                   a.stride_w, a.dilation_h, a.dilation_w, a.pad);
      int64_t cin = x.shape[3], cout;
      if (n.op == OpType::kConv2D) {
        c.need(a.groups > 0 && cin % a.groups == 0 && w.shape[3] * a.groups == cin, [&] {
          return "filter " + shape_str(w.shape) + " does not match " + std::to_string(cin) +
                 " input channels in " + std::to_string(a.groups) + " groups";
        });
        cout = w.shape[0];
        c.need(cout % a.groups == 0, "output channels not divisible by groups");
      } else {
        c.need(a.depth_multiplier > 0 && w.shape[0] == 1 && w.shape[3] == cin * a.depth_multiplier,
               [&] {
                 return "depthwise filter " + shape_str(w.shape) + " does not match " +
                        std::to_string(cin) + " channels x multiplier " +
                        std::to_string(a.depth_multiplier);
               });
        cout = w.shape[3];
      }
      c.need(c.constant(w), "filter must be constant");
      if (c.has_in(2)) {
        const Tensor& b = c.in(2);
        c.need(b.elements() == cout && c.constant(b),
               [&] { return "bias must be a constant of " + std::to_string(cout) + " elements"; });
      }
      int64_t oh = conv_out(x.shape[1], a.pad.top, a.pad.bottom, static_cast<int>(w.shape[1]),
                            a.stride_h, a.dilation_h);
      int64_t ow = conv_out(x.shape[2], a.pad.left, a.pad.right, static_cast<int>(w.shape[2]),
                            a.stride_w, a.dilation_w);
      c.need(oh > 0 && ow > 0,
             [&] { return "window larger than padded input " + shape_str(x.shape); });
      return {x.shape[0], oh, ow, cout};
    }
    case OpType::kFullyConnected: {
      const Tensor& x = c.in(0);
      const Tensor& w = c.in(1);
      c.rank(w, 2);
      c.need(c.constant(w), "weights must be constant");
      int64_t k = w.shape[1], cout = w.shape[0];
      c.need(k > 0 && x.elements() % k == 0, [&] {
        return "input " + shape_str(x.shape) + " is not a multiple of K=" + std::to_string(k);
      });
      if (c.has_in(2)) c.need(c.in(2).elements() == cout, "bias size does not match outputs");
      if (n.attr<FullyConnectedAttrs>().keep_num_dims) {
        c.need(!x.shape.empty() && x.shape.back() == k, "last dimension must equal K");
        Shape s = x.shape;
        s.back() = cout;
        return s;
      }
      return {x.elements() / k, cout};
    }
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv: return broadcast(c, c.in(0).shape, c.in(1).shape);
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: {
      const Tensor& x = c.in(0);
      c.rank(x, 4);
      const auto& a = n.attr<Pool2DAttrs>();
      check_window(c, a.filter_h, a.filter_w, a.stride_h, a.stride_w, 1, 1, a.pad);
      int64_t oh = conv_out(x.shape[1], a.pad.top, a.pad.bottom, a.filter_h, a.stride_h, 1);
      int64_t ow = conv_out(x.shape[2], a.pad.left, a.pad.right, a.filter_w, a.stride_w, 1);
      c.need(oh > 0 && ow > 0,
             [&] { return "window larger than padded input " + shape_str(x.shape); });
      if (c.has_in(1)) {
        const Tensor& b = c.in(1);
        c.need(n.op == OpType::kAveragePool2D && x.dtype == DType::kF32 && b.dtype == DType::kF32 &&
                   c.constant(b) && b.elements() == x.shape[3],
               "a pooling bias must be an f32 constant of one value per channel (average, f32)");
      }
      return {x.shape[0], oh, ow, x.shape[3]};
    }
    case OpType::kMean: {
      const Tensor& x = c.in(0);
      const auto& a = n.attr<ReduceAttrs>();
      Shape s;
      for (size_t d = 0; d < x.shape.size(); ++d) {
        bool reduced = std::find(a.axes.begin(), a.axes.end(), static_cast<int>(d)) != a.axes.end();
        if (!reduced)
          s.push_back(x.shape[d]);
        else if (a.keep_dims)
          s.push_back(1);
      }
      for (int ax : a.axes)
        c.need(ax >= 0 && ax < static_cast<int>(x.shape.size()), "reduction axis out of range");
      return s;
    }
    case OpType::kConcat: {
      const auto& a = n.attr<ConcatAttrs>();
      Shape s = c.in(0).shape;
      c.need(a.axis >= 0 && a.axis < static_cast<int>(s.size()), "concat axis out of range");
      for (size_t i = 1; i < n.inputs.size(); ++i) {
        const Shape& o = c.in(i).shape;
        c.need(o.size() == s.size(), "concat inputs differ in rank");
        for (size_t d = 0; d < s.size(); ++d) {
          if (static_cast<int>(d) == a.axis) continue;
          c.need(o[d] == s[d], [&] {
            return "concat inputs " + shape_str(s) + " and " + shape_str(o) +
                   " differ outside the axis";
          });
        }
        s[a.axis] += o[a.axis];
      }
      return s;
    }
    case OpType::kReshape: {
      const Tensor& x = c.in(0);
      const Tensor& y = c.g.tensor(n.outputs.at(0));
      c.need(y.elements() == x.elements(),
             [&] { return "cannot reshape " + shape_str(x.shape) + " to " + shape_str(y.shape); });
      return y.shape;
    }
    case OpType::kTranspose: {
      const Tensor& x = c.in(0);
      const auto& perm = n.attr<TransposeAttrs>().perm;
      c.need(perm.size() == x.shape.size(), "perm size does not match rank");
      Shape s(perm.size());
      std::vector<bool> seen(perm.size(), false);
      for (size_t i = 0; i < perm.size(); ++i) {
        c.need(perm[i] >= 0 && perm[i] < static_cast<int>(perm.size()) && !seen[perm[i]],
               "perm is not a permutation");
        seen[perm[i]] = true;
        s[i] = x.shape[perm[i]];
      }
      return s;
    }
    case OpType::kPad: {
      const Tensor& x = c.in(0);
      const auto& a = n.attr<PadAttrs>();
      c.need(a.before.size() == x.shape.size() && a.after.size() == x.shape.size(),
             "padding has wrong rank");
      Shape s = x.shape;
      for (size_t d = 0; d < s.size(); ++d) {
        c.need(a.before[d] >= 0 && a.after[d] >= 0 && a.before[d] <= 4096 && a.after[d] <= 4096,
               "padding out of range");
        s[d] += a.before[d] + a.after[d];
      }
      return s;
    }
    case OpType::kBatchNorm: {
      const Tensor& x = c.in(0);
      c.need(!x.shape.empty(), "input must have a channel axis");
      for (size_t i = 1; i <= 4; ++i)
        c.need(c.in(i).elements() == x.shape.back() && c.constant(c.in(i)), [&] {
          return "batch-norm parameters must be constants of " + std::to_string(x.shape.back()) +
                 " elements";
        });
      return x.shape;
    }
    case OpType::kSoftmax:
    case OpType::kLogistic:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip:
    case OpType::kQuantize:
    case OpType::kDequantize: return c.in(0).shape;
  }
  c.bad("unknown operator");
}

void check_types(const Checker& c) {
  const Node& n = c.n;
  const Tensor& x = c.in(0);
  const Tensor& y = c.g.tensor(n.outputs.at(0));
  auto need_quant = [&](const Tensor& t) {
    c.need(!t.quant.empty(),
           [&] { return "quantized tensor '" + t.name + "' has no quantization parameters"; });
    c.need(t.quant.per_channel() || t.quant.scales.size() == 1,
           [&] { return "tensor '" + t.name + "' has several scales but no axis"; });
    for (float s : t.quant.scales)
      c.need(s > 0 && std::isfinite(s),
             [&] { return "tensor '" + t.name + "' has a non-positive scale"; });
    if (t.quant.per_channel())
      c.need(t.quant.axis < static_cast<int>(t.shape.size()) &&
                 static_cast<int64_t>(t.quant.scales.size()) == t.shape[t.quant.axis],
             [&] { return "tensor '" + t.name + "' per-channel scales do not match its axis"; });
  };
  for (int id : n.inputs)
    if (id >= 0 && (is_quantized_int(c.g.tensor(id).dtype) ||
                    (n.op == OpType::kDequantize && c.g.tensor(id).dtype == DType::kI32)))
      need_quant(c.g.tensor(id));
  for (int id : n.outputs)
    if (is_quantized_int(c.g.tensor(id).dtype)) need_quant(c.g.tensor(id));
  switch (n.op) {
    case OpType::kQuantize:
      c.need(is_quantized_int(y.dtype), "Quantize output must be i8 or u8");
      break;
    case OpType::kDequantize:
      c.need(is_quantized_int(x.dtype) || x.dtype == DType::kF16 ||
                 (x.dtype == DType::kI32 && x.is_const()),
             "Dequantize input must be i8, u8, f16 or a constant i32");
      c.need(y.dtype == DType::kF32, "Dequantize output must be f32");
      break;
    default:
      c.need(x.dtype == y.dtype || (n.op == OpType::kConv2D || n.op == OpType::kDepthwiseConv2D ||
                                    n.op == OpType::kFullyConnected),
             [&] {
               return "input dtype " + std::string(dtype_name(x.dtype)) +
                      " differs from output dtype " + std::string(dtype_name(y.dtype));
             });
  }
}

}  // namespace

void verify(Graph& g) {
  const std::string src = g.source;
  std::vector<bool> ready(g.tensors.size(), false);
  // `what`: "graph input", "graph output", or "node" followed by `node`.
  auto check_id = [&](int id, const char* what, size_t node = 0) {
    if (id >= 0 && static_cast<size_t>(id) < g.tensors.size()) return;
    const std::string who =
        std::string(what) + (std::string_view(what) == "node" ? " " + std::to_string(node) : "");
    fail(ErrorCode::kModel, src,
         who + " refers to tensor " + std::to_string(id) + ", which does not exist");
  };
  for (int id : g.inputs) {
    check_id(id, "graph input");
    ready[id] = true;
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_const()) {
      ready[t] = true;
      if (g.tensors[t].data.size < g.tensors[t].bytes())
        fail(ErrorCode::kModel, src,
             "constant '" + g.tensors[t].name + "' holds " +
                 std::to_string(g.tensors[t].data.size) + " bytes, its shape needs " +
                 std::to_string(g.tensors[t].bytes()));
    }
    for (int64_t d : g.tensors[t].shape)
      if (d < 0 || d > (int64_t{1} << 31))
        fail(ErrorCode::kModel, src,
             "tensor '" + g.tensors[t].name + "' has invalid shape " +
                 shape_str(g.tensors[t].shape));
  }
  std::vector<bool> dequantized_const(g.tensors.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    Checker c{g, i, n, dequantized_const};
    c.need(!n.inputs.empty() && n.outputs.size() == 1, "expects inputs and exactly one output");
    for (int id : n.inputs) {
      if (id < 0) continue;
      check_id(id, "node", i);
      c.need(ready[id],
             [&] { return "input '" + g.tensors[id].name + "' is used before it is produced"; });
    }
    for (int id : n.outputs) {
      check_id(id, "node", i);
      c.need(!ready[id], [&] {
        return "output '" + g.tensors[id].name + "' is produced twice or is constant";
      });
    }
    Shape s = infer(c);
    Tensor& y = g.tensor(n.outputs[0]);
    if (y.shape.empty() && !s.empty()) y.shape = s;
    c.need(y.shape == s, [&] {
      return "declared output shape " + shape_str(y.shape) + ", inferred " + shape_str(s);
    });
    check_types(c);
    ready[n.outputs[0]] = true;
    if (n.op == OpType::kDequantize && g.tensor(n.inputs[0]).is_const())
      dequantized_const[static_cast<size_t>(n.outputs[0])] = true;
  }
  for (int id : g.outputs) {
    check_id(id, "graph output");
    if (!ready[id])
      fail(ErrorCode::kModel, src, "graph output '" + g.tensors[id].name + "' is never produced");
  }
  if (g.inputs.empty()) fail(ErrorCode::kModel, src, "graph has no inputs");
  if (g.outputs.empty()) fail(ErrorCode::kModel, src, "graph has no outputs");
}

}  // namespace edgebench
