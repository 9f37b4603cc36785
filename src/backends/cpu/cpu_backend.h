// The "cpu" backend: the graph passes (passes/), then every node lowered to
// oneDNN primitives (f32: blocked layouts kept across layers, weights packed
// once, activations and residual adds fused as post-ops; int8: oneDNN int8
// products with TFLite's requantization in our own epilogue) or to our own
// kernels, with the reference kernels as the fallback. All memory is planned
// at compile time in one arena; run() allocates nothing of its own.
#pragma once

#include <memory>

#include "backends/backend.h"

namespace edgebench {

std::unique_ptr<Backend> make_cpu_backend();

// True where --precision bf16 runs: the CPU has AVX512-BF16 or AMX (and
// ONEDNN_MAX_CPU_ISA does not cap it below). Decided once per process.
bool cpu_supports_bf16();

}  // namespace edgebench
