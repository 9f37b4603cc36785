// Pass: fuse a standalone Relu, Relu6 or Clip into the node producing its input.
//
// Precondition: the activation's input (f32) is the only use of the output of
// a Conv2D, DepthwiseConv2D, FullyConnected, Add/Sub/Mul/Div, average/max pool
// or Concat, and is not a graph output. If that node already has a fused
// activation, the two ranges must overlap (then clamping twice equals clamping
// once to their intersection).
// Rewrite: the producer's fused activation becomes the clamp (intersected with
// the one it had), it produces the activation's output, and the activation node
// is removed. Quantized activations are left alone: they requantize.
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of activation nodes fused.
int fuse_activation(Graph& g);

}  // namespace edgebench::passes
