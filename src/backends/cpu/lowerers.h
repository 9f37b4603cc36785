// The cpu backend's kernels, one lowering per file. Each has a `supports`
// predicate (checked in the table in cpu_backend.cpp, first match wins) and a
// `lower` function adding steps to the Lowering (lowering.h).
#pragma once

#include "backends/cpu/lowering.h"

namespace edgebench::cpu {

// A residual the convolution accumulates into (passes/fuse_conv_add.h): the
// Add's other input, the Add's output tensor and the Add's fused activation.
struct ConvResidual {
  int residual = -1;
  int output = -1;
  FusedActivation act;
};

// f32 Conv2D / DepthwiseConv2D on oneDNN (depthwise and groups as grouped conv).
// With `max_pool`, the MaxPool2D that alone reads the convolution's output,
// lowered together (lower_conv_in_bands) and run at the pool's position.
bool conv_f32_supports(const Graph& g, const Node& n);
void lower_conv_f32(Lowering& L, const Node& n, const ConvResidual* residual,
                    const Node* max_pool = nullptr);

// f32 DepthwiseConv2D on our own kernel (lower_depthwise_f32.cpp), where
// depthwise_f32_own_kernel says it applies (shape, ISA, precision); taken
// before oneDNN for a convolution fused with nothing.
bool depthwise_f32_own_kernel(const Lowering& L, const Node& n);
void lower_depthwise_f32(Lowering& L, const Node& n);

// Rows of a convolution computed in one band (lower_conv_f32_bands.cpp):
// output rows [out_begin, out_end) of the step (the max pool's, if any),
// made from convolution output rows [conv_begin, conv_end), made from input
// rows [in_begin, in_end) with pad_top / pad_bottom rows of zeros beyond
// them; the pool's padding beyond the convolution rows likewise.
struct ConvBand {
  int64_t out_begin = 0, out_end = 0, conv_begin = 0, conv_end = 0, in_begin = 0, in_end = 0;
  int64_t pad_top = 0, pad_bottom = 0, pool_pad_top = 0, pool_pad_bottom = 0;
};
using ConvBandPd = std::function<dnnl::convolution_forward::primitive_desc(const ConvBand&)>;

// Convolutions (node indices) whose output only a following MaxPool2D reads
// and is large enough that computing both over bands of rows saves memory.
struct ConvPoolPair {
  size_t conv = 0, pool = 0;
};
std::vector<ConvPoolPair> find_banded_conv_pools(const Graph& g);

// Lowers Conv2D `n` (the whole-image primitive `whole`, reading `src`,
// weights laid out as `user_w`), and `max_pool` after it if not null, as one
// step over bands of rows, where that saves memory: a max pool's input, or
// the transform buffers of oneDNN's Winograd F(4x4, 3x3). `band_pd` makes a
// band's convolution; `make_dst` the step's output buffer, given its layout.
// False, having added nothing, when one band is enough or a band has no
// implementation.
bool lower_conv_in_bands(Lowering& L, const Node& n, const Node* max_pool, int src,
                         const memory::desc& user_w,
                         const dnnl::convolution_forward::primitive_desc& whole,
                         const ConvBandPd& band_pd,
                         const std::function<int(const memory::desc&)>& make_dst);

// f32 FullyConnected as a oneDNN inner product.
bool fully_connected_f32_supports(const Graph& g, const Node& n);
void lower_fully_connected_f32(Lowering& L, const Node& n);

// f32 max/average pooling, and Mean over H and W (global average pooling).
bool pool_f32_supports(const Graph& g, const Node& n);
void lower_pool_f32(Lowering& L, const Node& n);
// Quantize f32 -> uint8/int8 per tensor (own kernel).
bool quantize_int8_supports(const Graph& g, const Node& n);
void lower_quantize_int8(Lowering& L, const Node& n);

// uint8/int8 max/average pooling with the same quantization in and out (own loop).
bool pool_int8_supports(const Graph& g, const Node& n);
void lower_pool_int8(Lowering& L, const Node& n);
bool mean_f32_supports(const Graph& g, const Node& n);
void lower_mean_f32(Lowering& L, const Node& n);

// Concat: f32 on oneDNN (any layout in); uint8/int8 on our own loop, inputs
// with other parameters than the output's requantized through tables.
bool concat_supports(const Graph& g, const Node& n);
void lower_concat(Lowering& L, const Node& n);

// f32 Add/Sub/Mul/Div of same-shaped tensors (oneDNN binary).
bool binary_f32_supports(const Graph& g, const Node& n);
void lower_binary_f32(Lowering& L, const Node& n);

// f32 softmax over the last axis with beta 1.
bool softmax_f32_supports(const Graph& g, const Node& n);
void lower_softmax_f32(Lowering& L, const Node& n);

// Reshape: an alias of the (plain) input buffer.
bool reshape_supports(const Graph& g, const Node& n);
void lower_reshape(Lowering& L, const Node& n);
bool transpose_supports(const Graph& g, const Node& n);
void lower_transpose(Lowering& L, const Node& n);

// Quantized (u8/i8) Conv2D and FullyConnected: oneDNN int8 products into s32,
// then TFLite's requantization in our own epilogue (bit-exact).
bool conv_int8_supports(const Graph& g, const Node& n);
void lower_conv_int8(Lowering& L, const Node& n);

// Quantized DepthwiseConv2D: our own kernel with TFLite's arithmetic.
bool depthwise_int8_supports(const Graph& g, const Node& n);
void lower_depthwise_int8(Lowering& L, const Node& n);

// Quantized Add of same-shaped tensors: our own kernel with TFLite's arithmetic.
bool add_int8_supports(const Graph& g, const Node& n);
void lower_add_int8(Lowering& L, const Node& n);

// Anything else: the reference kernel on plain buffers.
bool reference_supports(const Graph& g, const Node& n);
void lower_reference(Lowering& L, const Node& n);

}  // namespace edgebench::cpu
