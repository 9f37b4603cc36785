#include "backends/reference/binary.h"

#include <algorithm>

#include "backends/quant_arith.h"

namespace edgebench::ref {
namespace {

// Calls f(out_index, a_index, b_index) for every output element in order.
template <typename F>
void for_each_element(const BroadcastShape& s, F f) {
  if (s.same_shape) {
    for (int64_t i = 0; i < s.elements; ++i) f(i, i, i);
    return;
  }
  if (s.elements == 0) return;
  // Odometer over all but the innermost dimension; the innermost is a loop.
  const int last = BroadcastShape::kMaxRank - 1;
  std::array<int64_t, BroadcastShape::kMaxRank> idx{};
  int64_t out = 0;
  while (true) {
    int64_t ia = 0, ib = 0;
    for (int d = BroadcastShape::kMaxRank - s.rank; d < last; ++d) {
      ia += idx[d] * s.stride_a[d];
      ib += idx[d] * s.stride_b[d];
    }
    for (int64_t i = 0; i < s.dims[last]; ++i)
      f(out++, ia + i * s.stride_a[last], ib + i * s.stride_b[last]);
    int d = last - 1;
    for (; d >= BroadcastShape::kMaxRank - s.rank; --d) {
      if (++idx[d] < s.dims[d]) break;
      idx[d] = 0;
    }
    if (d < BroadcastShape::kMaxRank - s.rank) return;
  }
}

}  // namespace

bool make_broadcast_shape(const Shape& a, const Shape& b, const Shape& out, BroadcastShape& s) {
  const int rank = static_cast<int>(out.size());
  if (rank > BroadcastShape::kMaxRank) return false;
  s = BroadcastShape{};
  s.rank = std::max(rank, 1);
  s.dims.fill(1);
  s.elements = shape_elements(out);
  s.same_shape = a == out && b == out;
  // Right-align every shape to kMaxRank dimensions.
  auto strides = [&](const Shape& in, std::array<int64_t, BroadcastShape::kMaxRank>& st) {
    int64_t stride = 1;
    for (int d = BroadcastShape::kMaxRank - 1, k = static_cast<int>(in.size()) - 1; d >= 0;
         --d, --k) {
      const int64_t dim = k >= 0 ? in[static_cast<size_t>(k)] : 1;
      st[d] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  };
  for (int k = 0; k < rank; ++k) s.dims[BroadcastShape::kMaxRank - rank + k] = out[k];
  strides(a, s.stride_a);
  strides(b, s.stride_b);
  return true;
}

void binary_f32(BinaryOp op, const BroadcastShape& s, float act_min, float act_max, const float* a,
                const float* b, float* y) {
  auto run = [&](auto fn) {
    for_each_element(s, [&](int64_t o, int64_t i, int64_t j) {
      y[o] = std::min(std::max(fn(a[i], b[j]), act_min), act_max);
    });
  };
  switch (op) {
    case BinaryOp::kAdd: run([](float u, float v) { return u + v; }); break;
    case BinaryOp::kSub: run([](float u, float v) { return u - v; }); break;
    case BinaryOp::kMul: run([](float u, float v) { return u * v; }); break;
    case BinaryOp::kDiv: run([](float u, float v) { return u / v; }); break;
  }
}

template <typename T>
void add_quant(const BroadcastShape& s, const QuantAddParams& p, const T* a, const T* b, T* y) {
  using quant::multiply_by_quantized_multiplier;
  for_each_element(s, [&](int64_t o, int64_t i, int64_t j) {
    if (p.is_float) {
      const int32_t v = quant::add_float(p.input1_offset + a[i], p.input2_offset + b[j],
                                         p.input1_ratio, p.input2_ratio) +
                        p.output_offset;
      y[o] = static_cast<T>(std::clamp(v, p.act_min, p.act_max));
      return;
    }
    const int32_t shifted1 = (p.input1_offset + a[i]) * (1 << p.left_shift);
    const int32_t shifted2 = (p.input2_offset + b[j]) * (1 << p.left_shift);
    const int32_t scaled1 =
        multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 =
        multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
    const int32_t raw_output =
        multiply_by_quantized_multiplier(scaled1 + scaled2, p.output_multiplier, p.output_shift) +
        p.output_offset;
    y[o] = static_cast<T>(std::clamp(raw_output, p.act_min, p.act_max));
  });
}

template <typename T>
void mul_quant(const BroadcastShape& s, const QuantMulParams& p, const T* a, const T* b, T* y) {
  for_each_element(s, [&](int64_t o, int64_t i, int64_t j) {
    const int32_t product = (p.input1_offset + a[i]) * (p.input2_offset + b[j]);
    const int32_t raw_output =
        quant::multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift) +
        p.output_offset;
    y[o] = static_cast<T>(std::clamp(raw_output, p.act_min, p.act_max));
  });
}

template void add_quant<uint8_t>(const BroadcastShape&, const QuantAddParams&, const uint8_t*,
                                 const uint8_t*, uint8_t*);
template void add_quant<int8_t>(const BroadcastShape&, const QuantAddParams&, const int8_t*,
                                const int8_t*, int8_t*);
template void mul_quant<uint8_t>(const BroadcastShape&, const QuantMulParams&, const uint8_t*,
                                 const uint8_t*, uint8_t*);
template void mul_quant<int8_t>(const BroadcastShape&, const QuantMulParams&, const int8_t*,
                                const int8_t*, int8_t*);

QuantAddParams make_quant_add_params(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                     float out_scale, int32_t out_zp, int32_t act_min,
                                     int32_t act_max, Requantization rq) {
  QuantAddParams p;
  p.left_shift = 20;
  p.input1_offset = -zp1;
  p.input2_offset = -zp2;
  p.output_offset = out_zp;
  p.act_min = act_min;
  p.act_max = act_max;
  if (rq == Requantization::kFloat) {
    p.is_float = true;
    p.input1_ratio = scale1 / out_scale;
    p.input2_ratio = scale2 / out_scale;
    return p;
  }
  // add.cc: 2 * max(s1, s2) and (1 << 20) * s_out are exact in float; the
  // ratios are taken in double.
  const double twice_max_input_scale = 2.0 * static_cast<double>(std::max(scale1, scale2));
  const double real_input1 = static_cast<double>(scale1) / twice_max_input_scale;
  const double real_input2 = static_cast<double>(scale2) / twice_max_input_scale;
  const double real_output = twice_max_input_scale /
                             static_cast<double>(static_cast<float>(1 << p.left_shift) * out_scale);
  const auto m1 = quant::quantize_multiplier_smaller_than_one(real_input1);
  const auto m2 = quant::quantize_multiplier_smaller_than_one(real_input2);
  const auto mo = quant::quantize_multiplier_smaller_than_one(real_output);
  p.input1_multiplier = m1.multiplier;
  p.input1_shift = m1.shift;
  p.input2_multiplier = m2.multiplier;
  p.input2_shift = m2.shift;
  p.output_multiplier = mo.multiplier;
  p.output_shift = mo.shift;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

QuantMulParams make_quant_mul_params(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                     float out_scale, int32_t out_zp, int32_t act_min,
                                     int32_t act_max) {
  QuantMulParams p;
  p.input1_offset = -zp1;
  p.input2_offset = -zp2;
  p.output_offset = out_zp;
  // mul.cc multiplies and divides the float scales before widening to double.
  const float real = scale1 * scale2 / out_scale;
  const auto m = quant::quantize_multiplier(static_cast<double>(real));
  p.output_multiplier = m.multiplier;
  p.output_shift = m.shift;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

PreparedNode prepare_binary(const Graph& g, const Node& n, const TensorMemory& mem) {
  const NodeView v(g, n, mem);
  const Tensor& a = v.input(0);
  const Tensor& b = v.input(1);
  const Tensor& y = v.output();
  const auto& act = n.attr<BinaryAttrs>().act;
  BinaryOp op = BinaryOp::kAdd;
  std::string base = "add";
  switch (n.op) {
    case OpType::kAdd:
      op = BinaryOp::kAdd;
      base = "add";
      break;
    case OpType::kSub:
      op = BinaryOp::kSub;
      base = "sub";
      break;
    case OpType::kMul:
      op = BinaryOp::kMul;
      base = "mul";
      break;
    case OpType::kDiv:
      op = BinaryOp::kDiv;
      base = "div";
      break;
    default: v.unsupported("not a binary operator");
  }
  if (a.dtype != b.dtype || a.dtype != y.dtype)
    v.unsupported("inputs and output must have the same type");
  BroadcastShape s;
  if (!make_broadcast_shape(a.shape, b.shape, y.shape, s))
    v.unsupported("rank " + std::to_string(y.shape.size()) + " exceeds " +
                  std::to_string(BroadcastShape::kMaxRank));

  if (a.dtype == DType::kF32) {
    const float* ap = v.input_data<float>(0);
    const float* bp = v.input_data<float>(1);
    float* yp = v.output_data<float>();
    const FloatRange r = float_activation_range(act);
    return {v.kernel_name(base, a.dtype),
            [op, s, r, ap, bp, yp] { binary_f32(op, s, r.min, r.max, ap, bp, yp); }};
  }
  if (!is_quantized_int(a.dtype) || (op != BinaryOp::kAdd && op != BinaryOp::kMul))
    v.unsupported_dtype(a.dtype);
  for (const Tensor* t : {&a, &b, &y}) v.require_per_tensor(*t);
  const auto zp = [](const Tensor& t) { return static_cast<int32_t>(t.quant.zero_point()); };
  const quant::QuantizedRange r =
      quant::quantized_activation_range(act, y.dtype, y.quant.scale(), zp(y));

  auto bind = [&](auto tag) -> PreparedNode {
    using T = decltype(tag);
    const T* ap = v.input_data<T>(0);
    const T* bp = v.input_data<T>(1);
    T* yp = v.output_data<T>();
    if (op == BinaryOp::kAdd) {
      const QuantAddParams p =
          make_quant_add_params(a.quant.scale(), zp(a), b.quant.scale(), zp(b), y.quant.scale(),
                                zp(y), r.min, r.max, g.requantization);
      return {v.kernel_name(base, a.dtype), [s, p, ap, bp, yp] { add_quant(s, p, ap, bp, yp); }};
    }
    const QuantMulParams p = make_quant_mul_params(a.quant.scale(), zp(a), b.quant.scale(), zp(b),
                                                   y.quant.scale(), zp(y), r.min, r.max);
    return {v.kernel_name(base, a.dtype), [s, p, ap, bp, yp] { mul_quant(s, p, ap, bp, yp); }};
  };
  if (a.dtype == DType::kU8) return bind(uint8_t{});
  return bind(int8_t{});
}

}  // namespace edgebench::ref
