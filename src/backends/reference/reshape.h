// Reference Reshape: the bytes do not change, only the shape does (TFLite
// copies the data unchanged, whatever the quantization).
#pragma once

#include <cstddef>

#include "backends/reference/prepare.h"

namespace edgebench::ref {

void reshape_copy(const void* x, void* y, size_t bytes);

}  // namespace edgebench::ref
