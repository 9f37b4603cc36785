// Quantized Conv2D (groups 1) and FullyConnected (as a 1x1 convolution over
// [1, rows, 1, K]): oneDNN computes the int32 products of the raw input bytes
// with int8 weights, and our epilogue (int8_kernels.h) adds the bias and the
// zero-point corrections and requantizes with TFLite's arithmetic, so the
// result is TFLite's bit for bit.
//
// With w - w_zp = w' + d (w' the int8 weights given to oneDNN; d = 0 when
// w - w_zp fits int8, else w' = w - 128 (uint8 weights) or w (int8) and
// d = 128 - w_zp or -w_zp), TFLite's accumulator over the taps inside the image is
//   sum (w' + d)(x - x_zp) = [sum w' x]                 (oneDNN, zero padding)
//                          - x_zp sum w' - d x_zp n     (per channel and border class)
//                          + d sum x                    (per pixel: window sums)
// where n counts the input elements inside the window. Output pixels are
// grouped by which filter rows/columns fall inside the image, so the second
// term is one table row per class.
//
// Exactness needs int8 products without intermediate saturation: oneDNN's
// VNNI kernels (vpdpbusd). Without VNNI (AVX2, AVX-512 before Cascade Lake)
// its kernels saturate or halve the weights, so these nodes fall back to the
// reference kernel.
#include <algorithm>
#include <dnnl.hpp>
#include <limits>
#include <memory>

#include "backends/cpu/conv_int8_plan.h"
#include "backends/cpu/int8_kernels.h"
#include "backends/cpu/lowerers.h"
#include "backends/reference/conv2d.h"

namespace edgebench::cpu {
namespace {

bool has_exact_int8_products() {
  return onednn_isa_has(dnnl::cpu_isa::avx512_core_vnni) ||
         onednn_isa_has(dnnl::cpu_isa::avx2_vnni);
}

int padded(int c) {
  return (c + int8::kChannelPad - 1) / int8::kChannelPad * int8::kChannelPad;
}

}  // namespace

bool is_pointwise(const Int8ConvPlan& p) {
  const int8::Geometry& g = p.geo;
  return g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_top == 0 && g.pad_left == 0 && p.pad_bottom == 0 && p.pad_right == 0;
}

namespace {

// For each output coordinate, the range of filter taps inside the input.
struct TapRange {
  int begin, end;
  bool operator==(const TapRange&) const = default;
};
TapRange taps_inside(int o, int stride, int pad, int dilation, int k, int in) {
  TapRange r{k, 0};
  for (int f = 0; f < k; ++f) {
    const int i = o * stride - pad + f * dilation;
    if (i >= 0 && i < in) {
      r.begin = std::min(r.begin, f);
      r.end = f + 1;
    }
  }
  if (r.begin >= r.end) r = {0, 0};
  return r;
}

// Distinct ranges and each coordinate's index into them.
void classify(int out, int stride, int pad, int dilation, int k, int in,
              std::vector<TapRange>& ranges, std::vector<int>& cls) {
  for (int o = 0; o < out; ++o) {
    const TapRange r = taps_inside(o, stride, pad, dilation, k, in);
    auto it = std::find(ranges.begin(), ranges.end(), r);
    if (it == ranges.end()) it = ranges.insert(ranges.end(), r);
    cls.push_back(static_cast<int>(it - ranges.begin()));
  }
}

}  // namespace

bool conv_int8_supports(const Graph& g, const Node& n) {
  if (n.op != OpType::kConv2D && n.op != OpType::kFullyConnected) return false;
  if (n.op == OpType::kConv2D && n.attr<Conv2DAttrs>().groups != 1) return false;
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const Tensor& y = g.tensor(n.outputs[0]);
  if (!is_quantized_int(x.dtype) || !is_quantized_int(w.dtype) || y.dtype != x.dtype) return false;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0 && g.tensor(n.inputs[2]).dtype != DType::kI32)
    return false;
  return has_exact_int8_products();
}

Int8ConvPlan plan_int8_conv(const Graph& g, const Node& n) {
  const Tensor& x = g.tensor(n.inputs[0]);
  const Tensor& w = g.tensor(n.inputs[1]);
  const Tensor* bias = n.inputs.size() > 2 && n.inputs[2] >= 0 ? &g.tensor(n.inputs[2]) : nullptr;
  const Tensor& y = g.tensor(n.outputs[0]);
  const bool fc = n.op == OpType::kFullyConnected;
  const bool u8 = x.dtype == DType::kU8, w_u8 = w.dtype == DType::kU8;

  Int8ConvPlan plan;
  plan.u8 = u8;
  // Geometry; a fully-connected layer is a 1x1 convolution over [1, rows, 1, K].
  int8::Geometry& geo = plan.geo;
  int& pad_bottom = plan.pad_bottom;
  int& pad_right = plan.pad_right;
  FusedActivation act;
  if (fc) {
    const int k = static_cast<int>(w.shape[1]);
    geo.in_c = k;
    geo.in_h = geo.out_h = static_cast<int>(x.elements() / k);
    geo.out_c = static_cast<int>(w.shape[0]);
    act = n.attr<FullyConnectedAttrs>().act;
  } else {
    const auto& a = n.attr<Conv2DAttrs>();
    geo = {static_cast<int>(x.shape[0]),
           static_cast<int>(x.shape[1]),
           static_cast<int>(x.shape[2]),
           static_cast<int>(x.shape[3]),
           static_cast<int>(y.shape[1]),
           static_cast<int>(y.shape[2]),
           static_cast<int>(y.shape[3]),
           static_cast<int>(w.shape[1]),
           static_cast<int>(w.shape[2]),
           a.stride_h,
           a.stride_w,
           a.dilation_h,
           a.dilation_w,
           a.pad.top,
           a.pad.left};
    pad_bottom = a.pad.bottom;
    pad_right = a.pad.right;
    act = a.act;
  }
  const int oc = geo.out_c, cpad = padded(oc);

  // TFLite's multipliers, exactly as the reference computes them.
  ref::ConvQuantization q;
  const ref::TensorMemory no_memory;
  const ref::NodeView view(g, n, no_memory);
  const ref::MultiplierRule rule =
      fc ? (w.quant.scales.size() > 1 ? ref::MultiplierRule::kDoublePerChannel
                                      : ref::MultiplierRule::kFloatScaleProduct)
         : (u8 ? ref::MultiplierRule::kFloatScaleProduct : ref::MultiplierRule::kDoublePerChannel);
  ref::make_conv_quantization(view, x, w, bias, y, /*channel_axis=*/0, oc, act, rule, q);

  // int8 weights for oneDNN and the correction factor d.
  const int32_t wzp = -q.params.filter_offset, xzp = -q.params.input_offset;
  // Millions of weights: loops over plain pointers that the compiler
  // vectorizes (a flag and-ed per weight, or a store through int8_t* that may
  // alias a vector's own pointer, made them most of an int8 model's load).
  const int64_t w_count = w.elements();
  std::vector<int8_t>& wq = plan.wq;
  wq.resize(static_cast<size_t>(w_count));
  int8_t* out = wq.data();
  int32_t d = 0;
  const auto convert = [&](const auto* raw) {
    int32_t lo = std::numeric_limits<int32_t>::max(), hi = std::numeric_limits<int32_t>::min();
    for (int64_t i = 0; i < w_count; ++i) {
      lo = std::min<int32_t>(lo, raw[i]);
      hi = std::max<int32_t>(hi, raw[i]);
    }
    const bool fits = w_count == 0 || (lo - wzp >= -128 && hi - wzp <= 127);
    d = fits ? 0 : (w_u8 ? 128 - wzp : -wzp);
    const int32_t shift = fits ? wzp : (w_u8 ? 128 : 0);  // w' = w - shift
    for (int64_t i = 0; i < w_count; ++i) out[i] = static_cast<int8_t>(raw[i] - shift);
  };
  if (w_u8)
    convert(w.const_span<uint8_t>().data());
  else
    convert(w.const_span<int8_t>().data());
  plan.d = d;

  auto data = std::make_shared<Int8ConvData>();
  plan.data = data;
  data->multipliers = int8::RequantTable::of(q);

  // Correction table per border class.
  std::vector<TapRange> ry, rx;
  std::vector<int> cy, cx;
  classify(geo.out_h, geo.stride_h, geo.pad_top, geo.dilation_h, geo.filter_h, geo.in_h, ry, cy);
  classify(geo.out_w, geo.stride_w, geo.pad_left, geo.dilation_w, geo.filter_w, geo.in_w, rx, cx);
  data->table.assign(ry.size() * rx.size() * cpad, 0);
  // Each tap's sum over the input channels, once; a class adds its taps' sums.
  const int taps = geo.filter_h * geo.filter_w;
  std::vector<int64_t> tap_sum(static_cast<size_t>(oc) * taps);
  for (int64_t t = 0; t < static_cast<int64_t>(oc) * taps; ++t) {
    const int8_t* p = out + t * geo.in_c;
    int32_t s = 0;  // |w'| <= 128: 2^24 channels fit
    for (int i = 0; i < geo.in_c; ++i) s += p[i];
    tap_sum[static_cast<size_t>(t)] = s;
  }
  for (size_t a = 0; a < ry.size(); ++a)
    for (size_t b = 0; b < rx.size(); ++b) {
      const int64_t n_inside =
          static_cast<int64_t>(ry[a].end - ry[a].begin) * (rx[b].end - rx[b].begin) * geo.in_c;
      int32_t* row = data->table.data() + (a * rx.size() + b) * cpad;
      for (int c = 0; c < oc; ++c) {
        int64_t wsum = 0;
        for (int fy = ry[a].begin; fy < ry[a].end; ++fy)
          for (int fx = rx[b].begin; fx < rx[b].end; ++fx)
            wsum += tap_sum[(static_cast<size_t>(c) * geo.filter_h + fy) * geo.filter_w + fx];
        const int64_t b_c = bias ? bias->const_span<int32_t>()[c] : 0;
        row[c] = static_cast<int32_t>(b_c - xzp * wsum - static_cast<int64_t>(d) * xzp * n_inside);
      }
    }
  const int64_t pixels = static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w;
  plan.pixels = pixels;
  data->row_of_pixel.resize(static_cast<size_t>(pixels));
  const int32_t** row_of = data->row_of_pixel.data();
  for (int b = 0; b < geo.batch; ++b)
    for (int oy = 0; oy < geo.out_h; ++oy)
      for (int ox = 0; ox < geo.out_w; ++ox)
        *row_of++ = data->table.data() + (cy[oy] * rx.size() + cx[ox]) * cpad;
  data->output_zero_point = q.params.output_offset;
  data->act_min = q.params.act_min;
  data->act_max = q.params.act_max;
  return plan;
}

void add_window_sums_step(Lowering& L, const Int8ConvPlan& plan, int src, int sums) {
  const int8::Kernels& k = int8::int8_kernels();
  Step& s = L.add_step(std::string("cpu:window_sums_") + (plan.u8 ? "u8_" : "i8_") + k.isa);
  s.uses = {src, sums};
  const int8::Geometry geo = plan.geo;
  const int32_t d = plan.d;
  const bool u8 = plan.u8;
  s.make_fn = [geo, d, u8, src, sums, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::WindowSumArgs a;
    a.g = geo;
    a.x = ptrs[static_cast<size_t>(src)];
    a.sums = reinterpret_cast<int32_t*>(ptrs[static_cast<size_t>(sums)]);
    a.scale = d;
    auto fn = u8 ? k.window_sums_u8 : k.window_sums_s8;
    return [fn, a] { fn(a); };
  };
}

namespace {

// The general form: window sums (if d != 0), one oneDNN call over the whole
// image into an int32 buffer, one epilogue pass.
void emit_whole_image(Lowering& L, const Node& n, const Int8ConvPlan& plan) {
  const int8::Geometry& geo = plan.geo;
  const bool u8 = plan.u8;
  const int32_t d = plan.d;
  const int oc = geo.out_c;
  const int64_t pixels = plan.pixels;
  const auto& data = plan.data;
  const int pad_bottom = plan.pad_bottom, pad_right = plan.pad_right;

  // oneDNN: raw input bytes x int8 weights -> int32, NHWC in and out.
  using tag = memory::format_tag;
  const auto src_t = u8 ? memory::data_type::u8 : memory::data_type::s8;
  const memory::desc src_md({geo.batch, geo.in_c, geo.in_h, geo.in_w}, src_t, tag::nhwc);
  const memory::desc user_w({oc, geo.in_c, geo.filter_h, geo.filter_w}, memory::data_type::s8,
                            tag::ohwi);
  const memory::desc w_any(user_w.dims(), memory::data_type::s8, tag::any);
  const memory::desc acc_md({geo.batch, oc, geo.out_h, geo.out_w}, memory::data_type::s32,
                            tag::nhwc);
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, w_any,
      acc_md, {geo.stride_h, geo.stride_w}, {geo.dilation_h - 1, geo.dilation_w - 1},
      {geo.pad_top, geo.pad_left}, {pad_bottom, pad_right});
  const dnnl::convolution_forward::primitive_desc pd(desc, user_scratchpad_attr(), L.engine());

  const int src = L.input_plain(n.inputs[0]);
  const int acc = L.new_buffer(acc_md.get_size());
  const int sums = d != 0 ? L.new_buffer(static_cast<size_t>(pixels) * sizeof(int32_t)) : -1;
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const std::string isa = k.isa;

  if (d != 0) add_window_sums_step(L, plan, src, sums);
  Step& c = L.add_step(impl_name(pd));
  c.prim = dnnl::convolution_forward(pd);
  c.args = {{DNNL_ARG_SRC, src, src_md}, {DNNL_ARG_DST, acc, acc_md}};
  c.fixed_args.emplace_back(DNNL_ARG_WEIGHTS,
                            pack_constant(L.engine(), plan.wq.data(), user_w, pd.weights_desc()));
  c.scratchpad_bytes = pd.scratchpad_desc().get_size();

  Step& e = L.add_step(std::string("cpu:requantize_") + (u8 ? "u8_" : "i8_") + isa);
  e.uses = {acc, out};
  if (sums >= 0) e.uses.push_back(sums);
  e.make_fn = [data, pixels, oc, u8, acc, sums, out,
               &k](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::EpilogueArgs a;
    a.acc = reinterpret_cast<const int32_t*>(ptrs[static_cast<size_t>(acc)]);
    a.pixels = pixels;
    a.channels = oc;
    a.channel_add = data->row_of_pixel.data();
    a.pixel_add =
        sums >= 0 ? reinterpret_cast<const int32_t*>(ptrs[static_cast<size_t>(sums)]) : nullptr;
    a.q = data->requant();
    a.out = ptrs[static_cast<size_t>(out)];
    auto fn = u8 ? k.requantize_u8 : k.requantize_s8;
    return [fn, a, data] { fn(a); };
  };
}

}  // namespace

void lower_conv_int8(Lowering& L, const Node& n) {
  const Int8ConvPlan plan = plan_int8_conv(L.graph(), n);
  if (int8_gemm_available())
    emit_int8_conv_gemm(L, n, plan);
  else if (is_pointwise(plan))
    emit_int8_conv_banded(L, n, plan);
  else
    emit_whole_image(L, n, plan);
}

}  // namespace edgebench::cpu
