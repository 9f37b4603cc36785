// f32 concatenation on oneDNN into a plain output (in the float kernels'
// type). Rank-4 inputs are read in the layouts their producers chose; the IR's
// NHWC axis maps to oneDNN's NCHW-logical dimension. Other ranks are
// concatenated in plain layout.
//
// uint8/int8 on our own loop over plain tensors (the int8 kernels' layout):
// each input's run per outer index is copied, or, where its parameters differ
// from the output's (ONNX Runtime's quantize_static does not unify them),
// requantized through a 256-entry table filled by the reference's own formula
// (ref::concat_requantize): exact by construction, 64 bytes per two vpermi2b
// with AVX512-VBMI. It also beats oneDNN's generic concat on these small runs.
#include <array>
#include <cstring>
#include <dnnl.hpp>

#include "backends/cpu/byte_map.h"
#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowerers.h"
#include "backends/reference/concat.h"

namespace edgebench::cpu {
namespace {

void lower_concat_int8(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  const auto axis = static_cast<size_t>(n.attr<ConcatAttrs>().axis);
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= y.shape[d];
  for (size_t d = axis + 1; d < y.shape.size(); ++d) inner *= y.shape[d];

  struct Part {
    int buffer;
    int64_t bytes;  // per outer index
    int table;      // index into tables, -1: copied
  };
  auto tables = std::make_shared<std::vector<std::array<uint8_t, 256>>>();
  std::vector<Part> parts;
  for (int id : n.inputs) {
    const Tensor& x = g.tensor(id);
    Part p{L.input_plain(id), x.shape[axis] * inner, -1};
    ref::ConcatInput in;
    ref::set_concat_requantization(x, y, in);
    if (in.requantize) {
      const auto zp = static_cast<int32_t>(y.quant.zero_point());
      std::array<uint8_t, 256> t;
      for (int b = 0; b < 256; ++b)
        t[static_cast<size_t>(b)] =
            y.dtype == DType::kU8
                ? ref::concat_requantize(static_cast<uint8_t>(b), in, zp)
                : static_cast<uint8_t>(ref::concat_requantize(static_cast<int8_t>(b), in, zp));
      p.table = static_cast<int>(tables->size());
      tables->push_back(t);
    }
    parts.push_back(p);
  }
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::ByteMapFn map = int8::byte_map();
  const bool parallel = L.threads() > 1 && y.elements() >= int8::kMinParallelElements;
  std::string kernel = "cpu:concat_" + std::string(dtype_name(y.dtype));
  if (!tables->empty())
    kernel += map == int8::byte_map_generic ? "+requantize" : "+requantize_avx512vbmi";
  Step& s = L.add_step(kernel);
  for (const Part& p : parts) s.uses.push_back(p.buffer);
  s.uses.push_back(out);
  const int64_t row = y.shape[axis] * inner;
  s.make_fn = [parts, tables, out, outer, row, map,
               parallel](const BufferPtrs& ptrs) -> std::function<void()> {
    std::vector<const uint8_t*> src;
    for (const Part& p : parts)
      src.push_back(reinterpret_cast<const uint8_t*>(ptrs[static_cast<size_t>(p.buffer)]));
    auto* dst = reinterpret_cast<uint8_t*>(ptrs[static_cast<size_t>(out)]);
    return [parts, tables, src, dst, outer, row, map, parallel] {
#pragma omp parallel for schedule(static) if (parallel)
      for (int64_t k = 0; k < outer; ++k) {
        uint8_t* o = dst + k * row;
        for (size_t i = 0; i < parts.size(); ++i) {
          const Part& p = parts[i];
          const uint8_t* x = src[i] + k * p.bytes;
          if (p.table < 0)
            std::memcpy(o, x, static_cast<size_t>(p.bytes));
          else
            map((*tables)[static_cast<size_t>(p.table)].data(), x, o, p.bytes);
          o += p.bytes;
        }
      }
    };
  };
}

}  // namespace

bool concat_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kConcat) return false;
  if (n.attr<ConcatAttrs>().act.kind != ActivationKind::kNone) return false;
  const Tensor& y = g.tensor(n.outputs[0]);
  if (y.dtype != DType::kF32 && !is_quantized_int(y.dtype)) return false;
  for (int id : n.inputs) {
    if (id < 0 || g.tensor(id).dtype != y.dtype || !dnnl_can_hold(g.tensor(id))) return false;
    if (is_quantized_int(y.dtype) &&
        (g.tensor(id).quant.scales.size() != 1 || y.quant.scales.size() != 1))
      return false;
  }
  return true;
}

void lower_concat(Lowering& L, const Node& n) {
  const Graph& g = L.graph();
  const Tensor& y = g.tensor(n.outputs[0]);
  if (is_quantized_int(y.dtype)) return lower_concat_int8(L, n);
  const int axis = n.attr<ConcatAttrs>().axis;
  const bool image = y.shape.size() == 4;
  constexpr int kNhwcToNchw[4] = {0, 2, 3, 1};
  const int dim = image ? kNhwcToNchw[axis] : axis;

  std::vector<memory::desc> srcs;
  const auto dt = y.dtype == DType::kF32 ? L.float_type() : dnnl_type(y.dtype);
  for (int id : n.inputs) {
    const memory::desc& md = L.place(id).md;
    srcs.push_back(image && md.data_type() == dt ? md : plain_md(g.tensor(id), dt));
  }
  // The output is plain (floats in the float kernels' type, bf16 under
  // --precision bf16): most consumers (brgemm convolutions) read NHWC, and inputs in other
  // layouts are converted on their way into the output.
  const dnnl::concat::primitive_desc pd(plain_md(y, dt), dim, srcs, L.engine(),
                                        user_scratchpad_attr());
  std::vector<int> src_buffers;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    src_buffers.push_back(L.input_as(n.inputs[i], pd.src_desc(static_cast<int>(i))));
  const int dst = L.new_output(n.outputs[0], pd.dst_desc(), pd.dst_desc() == plain_md(y));
  Step& s = L.add_step(impl_name(pd));
  s.prim = dnnl::concat(pd);
  for (size_t i = 0; i < n.inputs.size(); ++i)
    s.args.push_back({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), src_buffers[i],
                      pd.src_desc(static_cast<int>(i))});
  s.args.push_back({DNNL_ARG_DST, dst, pd.dst_desc()});
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

}  // namespace edgebench::cpu
