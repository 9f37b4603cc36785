// Pass: an average pool followed by a pointwise convolution that narrows the
// channels (InceptionV3's branch_pool: 3x3 average of 192..2048 channels, then
// a 1x1 convolution to 32..192) computes the convolution first and pools its
// narrower output. Both are linear, and a 1x1 convolution maps each pixel
// alone, so pool(W x) = W pool(x) in every window, padded cells included (W 0
// = 0); the bias and activation, which do not commute with the pool's
// divisor at the borders, move to the pool (Pool2DAttrs' bias input).
// Float rounding changes, results do not: the pool reads C_out channels
// instead of C_in.
//
// Precondition: f32 AveragePool2D with stride 1 and output size = input size,
// no activation, no bias, read only by one f32 Conv2D (1x1, stride 1, no
// padding, one group, constant weights, constant bias or none) with fewer
// output than input channels, neither output a graph output.
// Rewrite: the convolution reads the pool's input without bias or activation
// and writes a new tensor; the pool reads that, takes the bias and the
// activation, and writes the convolution's output. The two nodes swap places.
// A cpu-backend rewrite for float execution, not a standard pass: quantized
// pooling has no bias, and exports keep the model's own structure.
#pragma once

#include "ir/graph.h"

namespace edgebench::passes {

// Returns the number of (pool, convolution) pairs rewritten.
int pool_below_pointwise(Graph& g);

}  // namespace edgebench::passes
