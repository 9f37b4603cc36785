// The reference backend: the oracle every faster backend is tested against.
// Plain, single-threaded kernels reproducing TensorFlow Lite's reference
// kernels bit for bit on quantized models (see backends/quant_arith.h and the
// comment atop each operator's header in this directory).
#pragma once

#include <memory>

#include "backends/backend.h"

namespace edgebench {

std::unique_ptr<Backend> make_reference_backend();

}  // namespace edgebench
