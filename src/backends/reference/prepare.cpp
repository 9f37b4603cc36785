#include "backends/reference/prepare.h"

#include "util/error.h"

namespace edgebench::ref {

std::string NodeView::kernel_name(std::string_view base, DType t) const {
  return "ref:" + std::string(base) + "_" + std::string(dtype_name(t));
}

void NodeView::unsupported(const std::string& what) const {
  // The node's number is its position in the graph's node list.
  std::string index = "?";
  if (!g_.nodes.empty() && &n_ >= g_.nodes.data() && &n_ < g_.nodes.data() + g_.nodes.size())
    index = std::to_string(&n_ - g_.nodes.data());
  fail(ErrorCode::kUnsupported, g_.source,
       "node #" + index + " " + std::string(op_name(n_.op)) + " '" + n_.name + "': " + what);
}

void NodeView::unsupported_dtype(DType t) const {
  unsupported(std::string(dtype_name(t)) + " not supported by the reference backend");
}

void NodeView::require_per_tensor(const Tensor& t) const {
  if (t.quant.per_channel() || t.quant.scales.size() != 1 || t.quant.zero_points.size() > 1)
    unsupported("tensor '" + t.name + "' must be quantized per tensor");
}

}  // namespace edgebench::ref
