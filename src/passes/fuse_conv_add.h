// Pass (matching only): find each residual Add a convolution can absorb as an
// accumulate-into-destination epilogue (oneDNN's "sum" post-op):
//   y = act_add(act_conv(conv(x)) + r)
//
// Precondition: an f32 Add whose inputs have the same shape (no broadcasting),
// one of them the output of a Conv2D or DepthwiseConv2D used only by this Add
// and not a graph output; the other (the residual r) is not a constant.
//
// The IR has no "convolution with a residual input" form, so this pass does not
// rewrite the graph: it returns the matches, and a backend that can accumulate
// into a destination runs the convolution at the Add's position with r as the
// destination's initial contents. (Moving the convolution later is legal: its
// only consumer is the Add.) Tests check such a backend against the unfused
// graph on the reference backend.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace edgebench::passes {

struct ConvAddFusion {
  size_t conv = 0;    // node index of the convolution
  size_t add = 0;     // node index of the Add
  int residual = -1;  // tensor id of the Add's other input
};

std::vector<ConvAddFusion> find_conv_add_fusions(const Graph& g);

}  // namespace edgebench::passes
