// Pass: fold a zero Pad of the spatial dimensions into the convolution or
// average pooling that reads it (ONNX exports write InceptionV3's
// "count_include_pad" pooling as Pad + AveragePool).
//
// Precondition: an f32 Pad with value 0 of a rank-4 NHWC tensor that pads
// only H and W, whose output is used only by one Conv2D / DepthwiseConv2D, or
// by one AveragePool2D that has no padding of its own or already counts
// padded cells, and is not a graph output.
// Rewrite: the consumer reads the Pad's input with its padding grown by the
// Pad's amounts (average pooling now counts the padded cells, which held
// zeros before); the Pad node is removed. Zeros in a convolution's padding
// contribute nothing, exactly as the explicit zeros did.
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of Pad nodes folded.
int fold_pad(Graph& g);

}  // namespace edgebench::passes
