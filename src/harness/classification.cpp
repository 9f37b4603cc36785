#include "harness/classification.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <numeric>

#include "util/error.h"

namespace edgebench {

std::vector<float> output_scores(const Tensor& spec, const std::byte* data) {
  const size_t n = static_cast<size_t>(spec.elements());
  std::vector<float> s(n);
  switch (spec.dtype) {
    case DType::kF32: std::copy_n(reinterpret_cast<const float*>(data), n, s.begin()); break;
    case DType::kU8:
    case DType::kI8: {
      const float scale = spec.quant.empty() ? 1.0f : spec.quant.scale();
      const int64_t zp = spec.quant.zero_point();
      for (size_t i = 0; i < n; ++i) {
        int64_t q = spec.dtype == DType::kU8 ? int64_t{reinterpret_cast<const uint8_t*>(data)[i]}
                                             : int64_t{reinterpret_cast<const int8_t*>(data)[i]};
        s[i] = scale * static_cast<float>(q - zp);
      }
      break;
    }
    default:
      fail(ErrorCode::kInput, spec.name,
           "classifier output has dtype " + std::string(dtype_name(spec.dtype)));
  }
  return s;
}

std::vector<int> top_k(const std::vector<float>& scores, int k) {
  std::vector<int> idx(scores.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::clamp(k, 0, static_cast<int>(idx.size()));
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  // A fresh k-element vector: resize() would keep the whole index array's
  // capacity alive in every stored result (4 KB per image over a long run).
  return std::vector<int>(idx.begin(), idx.begin() + k);
}

int imagenet_output_offset(size_t num_outputs, const std::string& model_name) {
  if (num_outputs == 1000) return 0;
  if (num_outputs == 1001) return 1;
  fail(ErrorCode::kInput, model_name,
       "model has " + std::to_string(num_outputs) +
           " outputs; ImageNet labels need 1000 (or 1001 with background first)");
}

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail(ErrorCode::kInput, path, "cannot open labels file");
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) fail(ErrorCode::kInput, path, "labels file is empty");
  return labels;
}

std::string label_of_output(const std::vector<std::string>& labels, size_t num_outputs, int index) {
  if (index < 0) return "?";
  size_t i = static_cast<size_t>(index);
  if (labels.size() == num_outputs) return labels[i];
  if (labels.size() == 1001 && num_outputs == 1000) return labels[i + 1];  // skip "background"
  if (labels.size() == 1000 && num_outputs == 1001) return i == 0 ? "background" : labels[i - 1];
  return i < labels.size() ? labels[i] : "#" + std::to_string(index);
}

}  // namespace edgebench
