// Pass: fold a BatchNorm into the convolution or fully-connected layer that
// feeds it.
//
// Precondition: BatchNorm's input is the only use of an f32 Conv2D,
// DepthwiseConv2D or FullyConnected output with no fused activation, and is not
// a graph output.
// Rewrite: with f[c] = scale[c] / sqrt(var[c] + eps) (float, as the reference
// kernel computes it), weights of output channel c become w * f[c] and the bias
// (b[c] - mean[c]) * f[c] + beta[c]; the layer then produces the BatchNorm's
// output and the BatchNorm node is removed. Folded constants are new tensors:
// the originals may be shared.
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of BatchNorm nodes folded.
int fold_batch_norm(Graph& g);

}  // namespace edgebench::passes
