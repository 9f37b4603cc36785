// Reading a classifier's output: scores, top-K, and how output indices map to
// ImageNet classes (1000 outputs, or 1001 with "background" first).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace edgebench {

// Real-valued scores of a [1, C] (or [C]) output: dequantized for u8/i8.
std::vector<float> output_scores(const Tensor& spec, const std::byte* data);

// Indices of the k largest scores, largest first; ties keep the lower index first.
std::vector<int> top_k(const std::vector<float>& scores, int k);

// Offset from ImageNet class index to output index: 0 for 1000 outputs, 1 for
// 1001. Throws Error(kInput) for any other count: the labels cannot be produced.
int imagenet_output_offset(size_t num_outputs, const std::string& model_name);

// One label per line; throws Error(kInput) when unreadable or empty.
std::vector<std::string> read_labels(const std::string& path);

// The label of output index i, given a label file of either 1000 or 1001 lines.
std::string label_of_output(const std::vector<std::string>& labels, size_t num_outputs, int index);

}  // namespace edgebench
