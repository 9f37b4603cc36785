// Quantize f32 -> uint8/int8 (per tensor) on our own kernel (int8_kernels.h):
// a quantized model's float input enters the int8 graph here, once per run,
// and the reference's scalar loop (std::round per element) cost as much as a
// few convolutions. Bit-exact with quant::quantize_real (ties away from zero,
// or to even in graphs with ONNX's requantization).
//
// An ONNX model's NCHW input is quantized, then transposed to NHWC (the
// importer's layout change, with the Dequantize folded below it): when the
// Transpose is the only reader, one step does both: the quantization, then
// the channel planes interleaved by a vectorized loop (oneDNN's reorder of a
// 3-channel byte image was slower than the quantization), and the Transpose
// becomes an alias.
#include <omp.h>

#include <algorithm>

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

namespace {

// The Transpose NCHW -> NHWC that alone reads `n`'s output, or nullptr.
const Node* channels_last_reader(const Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  if (L.readers(n.outputs[0]) != 1 || g.tensor(n.outputs[0]).shape.size() != 4) return nullptr;
  for (const Node& r : g.nodes)
    if (!r.inputs.empty() && r.inputs[0] == n.outputs[0])
      return r.op == OpType::kTranspose &&
                     r.attr<TransposeAttrs>().perm == std::vector<int>{0, 2, 3, 1}
                 ? &r
                 : nullptr;
  return nullptr;
}

// The quantization of `y` (per tensor), all but the buffers.
int8::QuantizeArgs quantize_args(const Graph& g, const Tensor& y) {
  int8::QuantizeArgs args;
  args.count = y.elements();
  args.scale = y.quant.scale();
  args.zero_point = static_cast<int32_t>(y.quant.zero_point());
  args.half_even = g.requantization == Requantization::kFloat;
  return args;
}

constexpr int kMaxChannels = 4;
constexpr int64_t kRun = 4096;  // pixels per interleaving work item

// o[p][c] = q[c][p]. Plain functions with the channel count fixed, cloned
// for AVX-512 and AVX2 (byte shuffles): 3 channels x 50176 pixels take 5 us
// there, 25 us unvectorized.
#define EB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
EB_CLONES void interleave2(const uint8_t* __restrict a, const uint8_t* __restrict b, int64_t n,
                           uint8_t* __restrict o) {
  for (int64_t p = 0; p < n; ++p) o[2 * p] = a[p], o[2 * p + 1] = b[p];
}
EB_CLONES void interleave3(const uint8_t* __restrict a, const uint8_t* __restrict b,
                           const uint8_t* __restrict c, int64_t n, uint8_t* __restrict o) {
  for (int64_t p = 0; p < n; ++p) o[3 * p] = a[p], o[3 * p + 1] = b[p], o[3 * p + 2] = c[p];
}
EB_CLONES void interleave4(const uint8_t* __restrict a, const uint8_t* __restrict b,
                           const uint8_t* __restrict c, const uint8_t* __restrict d, int64_t n,
                           uint8_t* __restrict o) {
  for (int64_t p = 0; p < n; ++p)
    o[4 * p] = a[p], o[4 * p + 1] = b[p], o[4 * p + 2] = c[p], o[4 * p + 3] = d[p];
}
#undef EB_CLONES

void emit_quantize_to_nhwc(Lowering& L, const Node& n, const Node& transpose) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);  // NCHW
  const int8::QuantizeArgs args = quantize_args(g, y);
  const int64_t batch = y.shape[0], channels = y.shape[1], plane = y.shape[2] * y.shape[3];
  const int in = L.input_plain(n.inputs[0]);
  const int planes = L.new_buffer(y.bytes());  // the NCHW bytes, the step's own
  const int out = L.new_plain_output(transpose.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const bool u8 = y.dtype == DType::kU8;
  const int threads = plane * channels >= int8::kMinParallelElements ? L.threads() : 1;
  Step& s =
      L.add_step(std::string("cpu:quantize_f32_") + (u8 ? "u8_" : "i8_") + k.isa + " (to NHWC)");
  s.uses = {in, planes, out};
  s.make_fn = [=, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::QuantizeArgs a = args;
    a.x = reinterpret_cast<const float*>(ptrs[static_cast<size_t>(in)]);
    a.y = ptrs[static_cast<size_t>(planes)];
    const auto* q = reinterpret_cast<const uint8_t*>(a.y);
    auto* dst = reinterpret_cast<uint8_t*>(ptrs[static_cast<size_t>(out)]);
    auto fn = u8 ? k.quantize_u8 : k.quantize_s8;
    return [=] {
      fn(a);  // one call: the kernel splits the work itself
      const int64_t runs = (plane + kRun - 1) / kRun;
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t r = 0; r < runs; ++r) {
          const int64_t p0 = r * kRun, count = std::min(kRun, plane - p0);
          const uint8_t* c0 = q + b * channels * plane + p0;
          uint8_t* o = dst + (b * plane + p0) * channels;
          switch (channels) {
            case 1: std::copy(c0, c0 + count, o); break;
            case 2: interleave2(c0, c0 + plane, count, o); break;
            case 3: interleave3(c0, c0 + plane, c0 + 2 * plane, count, o); break;
            default: interleave4(c0, c0 + plane, c0 + 2 * plane, c0 + 3 * plane, count, o); break;
          }
        }
    };
  };
}

}  // namespace

void lower_quantize_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  if (const Node* t = channels_last_reader(L, n); t && y.shape[1] <= kMaxChannels)
    return emit_quantize_to_nhwc(L, n, *t);
  const int8::QuantizeArgs args = quantize_args(g, y);
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
