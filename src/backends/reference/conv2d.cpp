#include "backends/reference/conv2d.h"

#include <algorithm>
#include <memory>

#include "backends/quant_arith.h"

namespace edgebench::ref {

void conv2d_f32(const ConvShape& s, float act_min, float act_max, const float* x, const float* w,
                const float* bias, float* y) {
  const int cin_per_group = s.in_c / s.groups;
  const int cout_per_group = s.out_c / s.groups;
  for (int b = 0; b < s.batch; ++b) {
    for (int oy = 0; oy < s.out_h; ++oy) {
      const int iy_origin = oy * s.stride_h - s.pad_top;
      for (int ox = 0; ox < s.out_w; ++ox) {
        const int ix_origin = ox * s.stride_w - s.pad_left;
        float* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * s.out_c;
        for (int oc = 0; oc < s.out_c; ++oc) {
          const int group = oc / cout_per_group;
          // Same summation order as TFLite's reference: filter y, x, channel.
          float total = 0.0f;
          for (int fy = 0; fy < s.filter_h; ++fy) {
            const int iy = iy_origin + fy * s.dilation_h;
            if (iy < 0 || iy >= s.in_h) continue;
            for (int fx = 0; fx < s.filter_w; ++fx) {
              const int ix = ix_origin + fx * s.dilation_w;
              if (ix < 0 || ix >= s.in_w) continue;
              const float* xp = x +
                                ((static_cast<size_t>(b) * s.in_h + iy) * s.in_w + ix) * s.in_c +
                                group * cin_per_group;
              const float* wp =
                  w +
                  ((static_cast<size_t>(oc) * s.filter_h + fy) * s.filter_w + fx) * cin_per_group;
              for (int ic = 0; ic < cin_per_group; ++ic) total += xp[ic] * wp[ic];
            }
          }
          const float with_bias = total + (bias ? bias[oc] : 0.0f);
          out[oc] = std::min(std::max(with_bias, act_min), act_max);
        }
      }
    }
  }
}

template <typename X, typename W>
void conv2d_quant(const ConvShape& s, const ConvQuantParams& q, const X* x, const W* w,
                  const int32_t* bias, X* y) {
  const int cin_per_group = s.in_c / s.groups;
  const int cout_per_group = s.out_c / s.groups;
  for (int b = 0; b < s.batch; ++b) {
    for (int oy = 0; oy < s.out_h; ++oy) {
      const int iy_origin = oy * s.stride_h - s.pad_top;
      for (int ox = 0; ox < s.out_w; ++ox) {
        const int ix_origin = ox * s.stride_w - s.pad_left;
        X* out = y + ((static_cast<size_t>(b) * s.out_h + oy) * s.out_w + ox) * s.out_c;
        for (int oc = 0; oc < s.out_c; ++oc) {
          const int group = oc / cout_per_group;
          int32_t acc = 0;
          for (int fy = 0; fy < s.filter_h; ++fy) {
            const int iy = iy_origin + fy * s.dilation_h;
            if (iy < 0 || iy >= s.in_h) continue;  // padding adds nothing
            for (int fx = 0; fx < s.filter_w; ++fx) {
              const int ix = ix_origin + fx * s.dilation_w;
              if (ix < 0 || ix >= s.in_w) continue;
              const X* xp = x + ((static_cast<size_t>(b) * s.in_h + iy) * s.in_w + ix) * s.in_c +
                            group * cin_per_group;
              const W* wp = w + ((static_cast<size_t>(oc) * s.filter_h + fy) * s.filter_w + fx) *
                                    cin_per_group;
              for (int ic = 0; ic < cin_per_group; ++ic)
                acc += (static_cast<int32_t>(wp[ic]) + q.filter_offset) *
                       (static_cast<int32_t>(xp[ic]) + q.input_offset);
            }
          }
          if (bias) acc += bias[oc];
          acc = rescale(acc, q, oc) + q.output_offset;
          out[oc] = static_cast<X>(std::clamp(acc, q.act_min, q.act_max));
        }
      }
    }
  }
}

void make_conv_quantization(const NodeView& v, const Tensor& x, const Tensor& w, const Tensor* bias,
                            const Tensor& y, int channel_axis, int out_channels,
                            const FusedActivation& act, MultiplierRule rule,
                            ConvQuantization& out) {
  if (!is_quantized_int(w.dtype) || y.dtype != x.dtype)
    v.unsupported("input " + std::string(dtype_name(x.dtype)) + ", weights " +
                  std::string(dtype_name(w.dtype)) + " and output " +
                  std::string(dtype_name(y.dtype)) +
                  ": the input and output must have one type, the weights u8 or i8");
  v.require_per_tensor(x);
  v.require_per_tensor(y);
  if (bias && bias->dtype != DType::kI32)
    v.unsupported("bias '" + bias->name + "' must be i32 for quantized weights, not " +
                  std::string(dtype_name(bias->dtype)));
  if (w.quant.per_channel()) {
    if (w.quant.axis != channel_axis)
      v.unsupported("weights '" + w.name + "' are quantized along axis " +
                    std::to_string(w.quant.axis) + ", expected the output-channel axis " +
                    std::to_string(channel_axis));
    for (size_t c = 0; c < w.quant.zero_points.size(); ++c)
      if (w.quant.zero_points[c] != w.quant.zero_point(0))
        v.unsupported("weights '" + w.name + "' have per-channel zero points");
  }

  const float input_scale = x.quant.scale();
  const float output_scale = y.quant.scale();
  if (v.graph().requantization == Requantization::kFloat) {
    out.scale.resize(static_cast<size_t>(out_channels));
    for (int c = 0; c < out_channels; ++c)
      out.scale[static_cast<size_t>(c)] =
          input_scale * w.quant.scale(static_cast<size_t>(c)) / output_scale;
  } else {
    if (rule == MultiplierRule::kFloatScaleProduct && w.quant.scales.size() != 1)
      v.unsupported("weights '" + w.name + "' must have one scale");
    out.multiplier.resize(static_cast<size_t>(out_channels));
    out.shift.resize(static_cast<size_t>(out_channels));
    for (int c = 0; c < out_channels; ++c) {
      const float filter_scale = w.quant.scale(static_cast<size_t>(c));
      // In TFLite's order: (input * filter) / output.
      const double real =
          rule == MultiplierRule::kFloatScaleProduct
              ? static_cast<double>(input_scale * filter_scale) / static_cast<double>(output_scale)
              : static_cast<double>(input_scale) * static_cast<double>(filter_scale) /
                    static_cast<double>(output_scale);
      const quant::QuantizedMultiplier m = quant::quantize_multiplier(real);
      out.multiplier[static_cast<size_t>(c)] = m.multiplier;
      out.shift[static_cast<size_t>(c)] = m.shift;
    }
  }
  const quant::QuantizedRange r = quant::quantized_activation_range(
      act, y.dtype, y.quant.scale(), static_cast<int32_t>(y.quant.zero_point()));
  out.params.input_offset = -static_cast<int32_t>(x.quant.zero_point());
  out.params.filter_offset = -static_cast<int32_t>(w.quant.zero_point(0));
  out.params.output_offset = static_cast<int32_t>(y.quant.zero_point());
  out.params.act_min = r.min;
  out.params.act_max = r.max;
  out.bind();
}

PreparedNode prepare_conv2d(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& x = v.input(0);
  const Tensor& w = v.input(1);
  const Tensor* bias = v.has_input(2) ? &v.input(2) : nullptr;
  const Tensor& y = v.output();
  const auto& a = n.attr<Conv2DAttrs>();

  ConvShape s;
  s.batch = static_cast<int>(x.shape[0]);
  s.in_h = static_cast<int>(x.shape[1]);
  s.in_w = static_cast<int>(x.shape[2]);
  s.in_c = static_cast<int>(x.shape[3]);
  s.out_h = static_cast<int>(y.shape[1]);
  s.out_w = static_cast<int>(y.shape[2]);
  s.out_c = static_cast<int>(y.shape[3]);
  s.filter_h = static_cast<int>(w.shape[1]);
  s.filter_w = static_cast<int>(w.shape[2]);
  s.stride_h = a.stride_h;
  s.stride_w = a.stride_w;
  s.dilation_h = a.dilation_h;
  s.dilation_w = a.dilation_w;
  s.pad_top = a.pad.top;
  s.pad_left = a.pad.left;
  s.groups = a.groups;

  switch (x.dtype) {
    case DType::kF32: {
      if (w.dtype != DType::kF32 || y.dtype != DType::kF32 || (bias && bias->dtype != DType::kF32))
        v.unsupported("f32 convolution needs f32 weights, bias and output");
      const float* xp = v.input_data<float>(0);
      const float* wp = v.input_data<float>(1);
      const float* bp = bias ? v.input_data<float>(2) : nullptr;
      float* yp = v.output_data<float>();
      const FloatRange r = float_activation_range(a.act);
      return {v.kernel_name("conv2d", x.dtype),
              [s, r, xp, wp, bp, yp] { conv2d_f32(s, r.min, r.max, xp, wp, bp, yp); }};
    }
    case DType::kU8:
    case DType::kI8: {
      auto q = std::make_shared<ConvQuantization>();
      const MultiplierRule rule = x.dtype == DType::kU8 ? MultiplierRule::kFloatScaleProduct
                                                        : MultiplierRule::kDoublePerChannel;
      make_conv_quantization(v, x, w, bias, y, /*channel_axis=*/0, s.out_c, a.act, rule, *q);
      const int32_t* bp = bias ? v.input_data<int32_t>(2) : nullptr;
      return with_quant_types(x.dtype, w.dtype, [&](auto xt, auto wt) -> PreparedNode {
        const auto* xp = v.input_data<decltype(xt)>(0);
        const auto* wp = v.input_data<decltype(wt)>(1);
        auto* yp = v.output_data<decltype(xt)>();
        return {v.kernel_name("conv2d", x.dtype, w.dtype),
                [s, q, xp, wp, bp, yp] { conv2d_quant(s, q->params, xp, wp, bp, yp); }};
      });
    }
    default: v.unsupported_dtype(x.dtype);
  }
}

}  // namespace edgebench::ref
