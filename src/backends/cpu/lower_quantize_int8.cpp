// Quantize f32 -> uint8/int8 (per tensor) on our own kernel (int8_kernels.h):
// a quantized model's float input enters the int8 graph here, once per run,
// and the reference's scalar loop (std::round per element) cost as much as a
// few convolutions. Bit-exact with quant::quantize_real.
#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {

bool quantize_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kQuantize) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& y = g.tensor(n.outputs[0]);
  return x.dtype == DType::kF32 && is_quantized_int(y.dtype) && y.quant.scales.size() == 1 &&
         !y.quant.per_channel();
}

void lower_quantize_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  int8::QuantizeArgs args;
  args.count = y.elements();
  args.scale = y.quant.scale();
  args.zero_point = static_cast<int32_t>(y.quant.zero_point());
  const int in = L.input_plain(n.inputs[0]);
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const bool u8 = y.dtype == DType::kU8;
  Step& s = L.add_step(std::string("cpu:quantize_f32_") + (u8 ? "u8_" : "i8_") + k.isa);
  s.uses = {in, out};
  s.make_fn = [args, in, out, u8, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::QuantizeArgs bound = args;
    bound.x = reinterpret_cast<const float*>(ptrs[static_cast<size_t>(in)]);
    bound.y = ptrs[static_cast<size_t>(out)];
    auto fn = u8 ? k.quantize_u8 : k.quantize_s8;
    return [fn, bound] { fn(bound); };
  };
}

}  // namespace edgebench::cpu
