// Rounding f32 values to the nearest fp16 value (ties to even), in place: what
// storing them as fp16 and reading them back does. fp16 storage with f32
// compute (--precision fp16 where no fp16 kernels exist) rounds weights once
// and each node's activations with this.
//
// One kernel per ISA (fp16_round_<isa>.cpp, built with its own flags); the
// choice is made once, at first use, from the CPU's features.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgebench::cpu {

struct Fp16RoundKernel {
  const char* isa;  // "generic", "f16c"
  void (*round)(float* x, size_t n);
};

// The one this CPU runs.
const Fp16RoundKernel& fp16_round_kernel();
// Each ISA's (nullptr where this build or CPU lacks it), for tests.
const Fp16RoundKernel& fp16_round_generic();
const Fp16RoundKernel* fp16_round_f16c();

// IEEE binary16 conversions, round to nearest even, NaN kept a (quiet) NaN,
// overflow to infinity, subnormals kept.
uint16_t f32_to_f16_bits(float f);
float f16_bits_to_f32(uint16_t h);

}  // namespace edgebench::cpu
