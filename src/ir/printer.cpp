// Text form of the IR: one line per tensor reference, one block per node.
#include <sstream>

#include "ir/graph.h"

namespace edgebench {
namespace {

std::string tensor_str(const Graph& g, int id) {
  if (id < 0) return "(none)";
  const Tensor& t = g.tensor(id);
  std::ostringstream o;
  o << "%" << id << " '" << t.name << "' " << dtype_name(t.dtype) << "[" << shape_str(t.shape)
    << "]";
  if (!t.quant.empty()) {
    if (t.quant.per_channel())
      o << " q(axis=" << t.quant.axis << ", " << t.quant.scales.size() << " scales)";
    else
      o << " q(scale=" << t.quant.scales[0] << ", zp=" << t.quant.zero_point() << ")";
  }
  if (t.is_const()) o << " const";
  return o.str();
}

std::string act_str(const FusedActivation& a) {
  return a.kind == ActivationKind::kNone ? "" : " act=" + std::string(activation_name(a.kind));
}

std::string attrs_str(const Node& n) {
  std::ostringstream o;
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Conv2DAttrs>) {
          o << " stride=" << a.stride_h << "x" << a.stride_w << " dilation=" << a.dilation_h << "x"
            << a.dilation_w << " pad=" << a.pad.top << "," << a.pad.left << "," << a.pad.bottom
            << "," << a.pad.right;
          if (n.op == OpType::kConv2D)
            o << " groups=" << a.groups;
          else
            o << " multiplier=" << a.depth_multiplier;
          o << act_str(a.act);
        } else if constexpr (std::is_same_v<A, Pool2DAttrs>) {
          o << " filter=" << a.filter_h << "x" << a.filter_w << " stride=" << a.stride_h << "x"
            << a.stride_w << " pad=" << a.pad.top << "," << a.pad.left << "," << a.pad.bottom << ","
            << a.pad.right << act_str(a.act);
        } else if constexpr (std::is_same_v<A, FullyConnectedAttrs> ||
                             std::is_same_v<A, BinaryAttrs>) {
          o << act_str(a.act);
        } else if constexpr (std::is_same_v<A, ConcatAttrs>) {
          o << " axis=" << a.axis << act_str(a.act);
        } else if constexpr (std::is_same_v<A, ReduceAttrs>) {
          o << " axes=";
          for (size_t i = 0; i < a.axes.size(); ++i) o << (i ? "," : "") << a.axes[i];
          o << " keep_dims=" << a.keep_dims;
        } else if constexpr (std::is_same_v<A, TransposeAttrs>) {
          o << " perm=";
          for (size_t i = 0; i < a.perm.size(); ++i) o << (i ? "," : "") << a.perm[i];
        } else if constexpr (std::is_same_v<A, SoftmaxAttrs>) {
          o << " beta=" << a.beta;
        } else if constexpr (std::is_same_v<A, ClipAttrs>) {
          o << " min=" << a.min << " max=" << a.max;
        } else if constexpr (std::is_same_v<A, BatchNormAttrs>) {
          o << " epsilon=" << a.epsilon;
        } else if constexpr (std::is_same_v<A, PadAttrs>) {
          o << " pads=";
          for (size_t i = 0; i < a.before.size(); ++i)
            o << (i ? "," : "") << a.before[i] << ":" << a.after[i];
          o << " value=" << a.value;
        }
      },
      n.attrs);
  return o.str();
}

}  // namespace

std::string print_ir(const Graph& g) {
  std::ostringstream o;
  o << "graph '" << g.source << "' (" << g.format
    << (g.requantization == Requantization::kFloat ? ", float requantization" : "") << ")\n";
  for (int id : g.inputs) o << "  input  " << tensor_str(g, id) << "\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    o << "  #" << i << " " << op_name(n.op) << " '" << n.name << "'" << attrs_str(n) << "\n";
    for (int id : n.inputs) o << "      in  " << tensor_str(g, id) << "\n";
    for (int id : n.outputs) o << "      out " << tensor_str(g, id) << "\n";
  }
  for (int id : g.outputs) o << "  output " << tensor_str(g, id) << "\n";
  return o.str();
}

}  // namespace edgebench
