// Quantized Add of two same-shaped tensors on our own kernel
// (int8_kernels.h), with TFLite's (or ONNX's) parameters computed exactly as the reference
// computes them (backends/reference/binary.h). Broadcasting goes to the
// reference kernel.
#include <algorithm>

#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowerers.h"
#include "backends/quant_arith.h"
#include "backends/reference/binary.h"

namespace edgebench::cpu {

bool add_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kAdd) return false;
  const Tensor& a = g.tensor(n.inputs[0]);
  const Tensor& b = g.tensor(n.inputs[1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  if (!is_quantized_int(a.dtype) || b.dtype != a.dtype || y.dtype != a.dtype) return false;
  if (a.shape != b.shape || a.shape != y.shape) return false;
  for (const Tensor* t : {&a, &b, &y})
    if (t->quant.per_channel() || t->quant.scales.size() != 1) return false;
  return true;
}

void lower_add_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& a = g.tensor(n.inputs[0]);
  const Tensor& b = g.tensor(n.inputs[1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto zp = [](const Tensor& t) { return static_cast<int32_t>(t.quant.zero_point()); };
  const quant::QuantizedRange r =
      quant::quantized_activation_range(n.attr<BinaryAttrs>().act, y.dtype, y.quant.scale(), zp(y));
  const ref::QuantAddParams p =
      ref::make_quant_add_params(a.quant.scale(), zp(a), b.quant.scale(), zp(b), y.quant.scale(),
                                 zp(y), r.min, r.max, g.requantization);

  int8::AddArgs args;
  args.count = y.elements();
  args.a_offset = p.input1_offset;
  args.b_offset = p.input2_offset;
  args.output_offset = p.output_offset;
  args.left_shift = p.left_shift;
  const auto split = [](int32_t m, int shift, int32_t& mult, int32_t& lsh, int32_t& rsh) {
    mult = m;
    lsh = std::max(shift, 0);
    rsh = std::max(-shift, 0);
  };
  split(p.input1_multiplier, p.input1_shift, args.a_mult, args.a_lsh, args.a_rsh);
  split(p.input2_multiplier, p.input2_shift, args.b_mult, args.b_lsh, args.b_rsh);
  split(p.output_multiplier, p.output_shift, args.out_mult, args.out_lsh, args.out_rsh);
  args.act_min = p.act_min;
  args.act_max = p.act_max;
  args.is_float = p.is_float;
  args.a_ratio = p.input1_ratio;
  args.b_ratio = p.input2_ratio;

  const int in_a = L.input_plain(n.inputs[0]);
  const int in_b = L.input_plain(n.inputs[1]);
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const bool u8 = a.dtype == DType::kU8;
  Step& s = L.add_step(std::string("cpu:add_") + (u8 ? "u8_" : "i8_") + k.isa);
  s.uses = {in_a, in_b, out};
  s.make_fn = [args, in_a, in_b, out, u8, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::AddArgs bound = args;
    bound.a = ptrs[static_cast<size_t>(in_a)];
    bound.b = ptrs[static_cast<size_t>(in_b)];
    bound.out = ptrs[static_cast<size_t>(out)];
    auto fn = u8 ? k.add_u8 : k.add_s8;
    return [fn, bound] { fn(bound); };
  };
}

}  // namespace edgebench::cpu
