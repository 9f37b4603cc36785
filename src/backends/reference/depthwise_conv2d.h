// Reference depthwise convolution. Filter [1, KH, KW, Cin * multiplier];
// output channel oc = ic * multiplier + m reads input channel ic.
//
// TFLite semantics (reference_ops::DepthwiseConv for uint8,
// reference_integer_ops::DepthwiseConvPerChannel for int8): as the ordinary
// convolution (see conv2d.h, including how the multiplier is computed), with
// the per-channel multipliers indexed by output channel (filter axis 3).
#pragma once

#include <cstdint>

#include "backends/reference/conv2d.h"

namespace edgebench::ref {

// `acc` is scratch space for out_c accumulators (one output pixel).
void depthwise_conv2d_f32(const ConvShape& s, float act_min, float act_max, const float* x,
                          const float* w, const float* bias, float* y, float* acc);
template <typename X, typename W>
void depthwise_conv2d_quant(const ConvShape& s, const ConvQuantParams& q, const X* x, const W* w,
                            const int32_t* bias, X* y, int32_t* acc);

}  // namespace edgebench::ref
