#include "passes/fold_qdq.h"

#include <cmath>
#include <utility>

#include "ir/fused_activation.h"
#include "passes/fuse_activation.h"
#include "passes/graph_edit.h"

namespace edgebench::passes {
namespace {

struct Folder {
  Graph& g;
  std::vector<int> prod;  // producing node per tensor, -1 for none
  std::vector<std::vector<size_t>> uses;

  const Node* producer_node(int t) const {
    const int p = prod[static_cast<size_t>(t)];
    return p < 0 ? nullptr : &g.nodes[static_cast<size_t>(p)];
  }
  bool single_use(int t) const {
    return uses[static_cast<size_t>(t)].size() == 1 && !is_graph_output(g, t);
  }
  // The Dequantize producing `t` from a per-tensor run-time integer, or nullptr.
  const Node* runtime_dq(int t) const {
    const Node* d = producer_node(t);
    if (!d || d->op != OpType::kDequantize) return nullptr;
    const Tensor& x = g.tensor(d->inputs[0]);
    if (x.is_const() || !is_quantized_int(x.dtype) || x.quant.per_channel()) return nullptr;
    return d;
  }
  // The Dequantize producing `t` from a constant, or nullptr.
  const Node* const_dq(int t) const {
    const Node* d = producer_node(t);
    if (!d || d->op != OpType::kDequantize || !g.tensor(d->inputs[0]).is_const()) return nullptr;
    return d;
  }
};

bool same_params(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.quant.scales == b.quant.scales &&
         a.quant.zero_point() == b.quant.zero_point();
}

bool close(float a, float b) {
  return std::fabs(a - b) <= 1e-6f * std::max(std::fabs(a), std::fabs(b));
}

// Checks the weights and bias of Conv2D / DepthwiseConv2D / FullyConnected and
// returns their integer tensors in w, b (b = -1 without bias).
bool weighted_inputs(const Folder& f, const Node& p, const Tensor& x, const Tensor& y, int& w,
                     int& b) {
  const Node* wd = f.const_dq(p.inputs[1]);
  if (!wd) return false;
  w = wd->inputs[0];
  const Tensor& wt = f.g.tensor(w);
  // The weights may differ in type from the activations (u8 x i8 is what
  // ONNX Runtime's quantize_static writes); the output must match the input.
  if (!is_quantized_int(wt.dtype) || y.dtype != x.dtype) return false;
  const int channel_axis = p.op == OpType::kDepthwiseConv2D ? 3 : 0;
  if (wt.quant.per_channel()) {
    if (wt.quant.axis != channel_axis) return false;
    for (int64_t z : wt.quant.zero_points)
      if (z != wt.quant.zero_point(0)) return false;
  }
  b = -1;
  if (p.inputs.size() > 2 && p.inputs[2] >= 0) {
    const Node* bd = f.const_dq(p.inputs[2]);
    if (!bd) return false;
    b = bd->inputs[0];
    const Tensor& bt = f.g.tensor(b);
    if (bt.dtype != DType::kI32) return false;
    // The integer bias must be in units of input scale x weight scale.
    for (size_t c = 0; c < static_cast<size_t>(bt.elements()); ++c) {
      if (bt.quant.zero_point(c) != 0) return false;
      const float want = x.quant.scale() * wt.quant.scale(wt.quant.per_channel() ? c : 0);
      if (!close(bt.quant.scale(bt.quant.per_channel() ? c : 0), want)) return false;
    }
  }
  return true;
}

// Rewrites P (whose result, through the optional activation R, is quantized by Q) into
// its quantized form. Returns false, changing nothing, where that would change results.
bool fold(Folder& f, Node& p, const Node* r, const Node& q) {
  const Tensor& y = f.g.tensor(q.outputs[0]);
  if (!is_quantized_int(y.dtype) || y.quant.per_channel()) return false;
  std::vector<int> ins = p.inputs;
  auto dequantized = [&](size_t i) {
    const Node* d = f.runtime_dq(p.inputs[i]);
    if (!d) return false;
    ins[i] = d->inputs[0];
    return f.g.tensor(ins[i]).dtype == y.dtype;
  };
  FusedActivation* act = fused_activation(p);
  if (r && (!act || act->kind != ActivationKind::kNone)) return false;
  switch (p.op) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected: {
      if (!dequantized(0)) return false;
      int w, b;
      if (!weighted_inputs(f, p, f.g.tensor(ins[0]), y, w, b)) return false;
      ins[1] = w;
      if (ins.size() > 2) ins[2] = b;
      break;
    }
    case OpType::kAdd:
    case OpType::kMul:
      if (!dequantized(0) || !dequantized(1)) return false;
      break;
    case OpType::kConcat:
      if (r || act->kind != ActivationKind::kNone) return false;
      for (size_t i = 0; i < ins.size(); ++i)
        if (!dequantized(i)) return false;
      break;
    case OpType::kMean:
      if (!dequantized(0)) return false;
      break;
    case OpType::kSoftmax:
      if (!dequantized(0) || !close(y.quant.scale(), 1.0f / 256) ||
          y.quant.zero_point() != (y.dtype == DType::kU8 ? 0 : -128))
        return false;
      break;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
    case OpType::kReshape:
    case OpType::kTranspose:
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip:
      if (!dequantized(0)) return false;
      if ((p.op == OpType::kAveragePool2D || p.op == OpType::kMaxPool2D ||
           p.op == OpType::kReshape || p.op == OpType::kTranspose) &&
          !same_params(f.g.tensor(ins[0]), y))
        return false;
      break;
    default: return false;
  }
  p.inputs = ins;
  if (r) {
    const Node& a = *r;
    *act = a.op == OpType::kRelu ? make_activation(ActivationKind::kRelu)
           : a.op == OpType::kRelu6
               ? make_activation(ActivationKind::kRelu6)
               : make_activation(ActivationKind::kClip, a.attr<ClipAttrs>().min,
                                 a.attr<ClipAttrs>().max);
  }
  p.outputs[0] = q.outputs[0];
  return true;
}

bool is_clamp(OpType op) {
  return op == OpType::kRelu || op == OpType::kRelu6 || op == OpType::kClip;
}

// (q - zero_point) * scale, per channel along the quantization axis.
std::vector<float> dequantize_constant(const Tensor& t) {
  const int64_t n = t.elements();
  int64_t inner = 1;
  if (t.quant.per_channel())
    for (size_t d = static_cast<size_t>(t.quant.axis) + 1; d < t.shape.size(); ++d)
      inner *= t.shape[d];
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t q = 0;
    switch (t.dtype) {
      case DType::kU8: q = t.const_span<uint8_t>()[static_cast<size_t>(i)]; break;
      case DType::kI8: q = t.const_span<int8_t>()[static_cast<size_t>(i)]; break;
      default: q = t.const_span<int32_t>()[static_cast<size_t>(i)]; break;
    }
    const size_t c =
        t.quant.per_channel() ? static_cast<size_t>((i / inner) % t.shape[t.quant.axis]) : 0;
    out[static_cast<size_t>(i)] = static_cast<float>(q - t.quant.zero_point(c)) * t.quant.scale(c);
  }
  return out;
}

// Dequantize(x) -> Transpose/Reshape becomes Transpose/Reshape(x) ->
// Dequantize (the same values: data movement commutes with the per-tensor
// affine map), so that a layout change the ONNX importer put between a
// Dequantize and its operator (NCHW -> NHWC at a model's input) does not stop
// the fold. The two nodes keep their places, swapping roles.
int sink_dequantize_through_layout(Graph& g) {
  int rewrites = 0;
  std::vector<int> prod(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    prod[static_cast<size_t>(g.nodes[i].outputs[0])] = static_cast<int>(i);
  const auto uses = consumers(g);
  for (size_t ti = 0; ti < g.nodes.size(); ++ti) {
    Node& t = g.nodes[ti];
    if (t.op != OpType::kTranspose && t.op != OpType::kReshape) continue;
    const int xf = t.inputs[0];
    const int di = prod[static_cast<size_t>(xf)];
    if (di < 0 || uses[static_cast<size_t>(xf)].size() != 1 || is_graph_output(g, xf)) continue;
    Node& d = g.nodes[static_cast<size_t>(di)];
    const Tensor& x = g.tensor(d.inputs[0]);
    if (d.op != OpType::kDequantize || x.is_const() || !is_quantized_int(x.dtype) ||
        x.quant.per_channel())
      continue;
    Tensor moved = x;  // the integer tensor in the moved layout
    moved.name = g.tensor(t.outputs[0]).name + "_int";
    moved.shape = g.tensor(t.outputs[0]).shape;
    moved.data = {};
    const int xi = d.inputs[0], yf = t.outputs[0];
    const int yi = g.add_tensor(std::move(moved));
    std::swap(g.nodes[static_cast<size_t>(di)], g.nodes[ti]);
    Node& mv = g.nodes[static_cast<size_t>(di)];  // the data movement, first now
    Node& dq = g.nodes[ti];
    mv.inputs[0] = xi;
    mv.outputs[0] = yi;
    dq.inputs[0] = yi;
    dq.outputs[0] = yf;
    prod.resize(g.tensors.size(), -1);
    prod[static_cast<size_t>(yi)] = di;
    ++rewrites;
  }
  return rewrites;
}

}  // namespace

int fold_qdq(Graph& g) {
  int rewrites = sink_dequantize_through_layout(g);
  Folder f{g, std::vector<int>(g.tensors.size(), -1), consumers(g)};
  for (size_t i = 0; i < g.nodes.size(); ++i)
    f.prod[static_cast<size_t>(g.nodes[i].outputs[0])] = static_cast<int>(i);
  std::vector<bool> erase(g.nodes.size(), false);
  // 1. Fold Dequantize -> operator [-> clamp] -> Quantize.
  for (size_t qi = 0; qi < g.nodes.size(); ++qi) {
    Node& q = g.nodes[qi];
    if (q.op != OpType::kQuantize || g.tensor(q.inputs[0]).dtype != DType::kF32) continue;
    const int v = q.inputs[0];
    if (!f.single_use(v) || f.prod[static_cast<size_t>(v)] < 0) continue;
    size_t pi = static_cast<size_t>(f.prod[static_cast<size_t>(v)]);
    if (erase[pi]) continue;
    Node* p = &g.nodes[pi];
    if (p->op == OpType::kDequantize) {  // Quantize(Dequantize(x)): requantize x
      if (!f.runtime_dq(v)) continue;
      q.inputs[0] = p->inputs[0];
      ++rewrites;
      continue;
    }
    const Node* r = nullptr;
    size_t ri = 0;
    if (is_clamp(p->op) && f.single_use(p->inputs[0]) &&
        f.prod[static_cast<size_t>(p->inputs[0])] >= 0) {
      const size_t ppi = static_cast<size_t>(f.prod[static_cast<size_t>(p->inputs[0])]);
      Node& pp = g.nodes[ppi];
      FusedActivation* act = fused_activation(pp);
      if (!erase[ppi] && act && act->kind == ActivationKind::kNone) {
        r = p;
        ri = pi;
        p = &pp;
        pi = ppi;
      }
    }
    bool folded = fold(f, *p, r, q);
    if (!folded && r) {  // the clamp alone, as a quantized activation
      p = &g.nodes[ri];
      r = nullptr;
      folded = fold(f, *p, nullptr, q);
    } else if (folded && r) {
      erase[ri] = true;
    }
    if (!folded) continue;
    erase[qi] = true;
    ++rewrites;
  }
  erase_nodes(g, erase);
  // 3 (first, so that step 2 sees only live Dequantizes). Remove unused nodes.
  auto remove_dead = [&g] {
    std::vector<int> use_count(g.tensors.size(), 0);
    for (const Node& n : g.nodes)
      for (int id : n.inputs)
        if (id >= 0) ++use_count[static_cast<size_t>(id)];
    for (int id : g.outputs) ++use_count[static_cast<size_t>(id)];
    std::vector<bool> dead(g.nodes.size(), false);
    for (size_t i = g.nodes.size(); i-- > 0;) {
      const Node& n = g.nodes[i];
      if (use_count[static_cast<size_t>(n.outputs[0])] > 0) continue;
      dead[i] = true;
      for (int id : n.inputs)
        if (id >= 0) --use_count[static_cast<size_t>(id)];
    }
    erase_nodes(g, dead);
  };
  remove_dead();
  // 2. Dequantized constants still in use become float constants.
  std::vector<bool> folded_const(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op != OpType::kDequantize || !g.tensor(n.inputs[0]).is_const()) continue;
    Tensor& y = g.tensor(n.outputs[0]);
    y.data = make_owned_const(dequantize_constant(g.tensor(n.inputs[0])));
    y.quant = {};
    folded_const[i] = true;
    ++rewrites;
  }
  erase_nodes(g, folded_const);
  return rewrites;
}

}  // namespace edgebench::passes
