// Pass: turn a quantized graph into the float graph it approximates.
//
// Precondition: every 8-bit integer tensor (u8/i8) and every quantized i32
// tensor (TFLite's biases) carries quantization parameters.
// Rewrite: each such tensor becomes f32 with no quantization parameters;
// constants hold their dequantized values, real = scale * (q - zero_point),
// per tensor or per channel along the parameters' axis (so int32 biases become
// bias * input_scale * weight_scale). Activations, the graph input included,
// carry real values: an image model's input then takes the real range its
// input quantization described (for TF-slim MobileNets, [-1, 1], the
// "inception" preprocessing, which the metadata records). Quantize and
// Dequantize nodes whose both sides are now f32 are removed (their readers,
// and graph outputs, read the node's input). Fused activations are kept; the
// clamping that only the 8-bit output range implied is not added (it is
// quantization's effect, not the model's).
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of tensors and nodes rewritten (0: nothing quantized).
// Throws Error(kUnsupported) for an 8-bit tensor without quantization parameters.
int dequantize(Graph& g);

// Runs dequantize through the pass manager (verifying the result).
void dequantize_graph(Graph& g);

}  // namespace edgebench::passes
