// Small bridges between the IR and oneDNN 2.6: memory descriptors for IR
// tensors, fused activations as post-ops, implementation names.
#pragma once

#include <dnnl.hpp>
#include <string>

#include "ir/graph.h"

namespace edgebench::cpu {

using dnnl::memory;

// oneDNN's type for an IR dtype; data_type::undef where it has none (i64).
memory::data_type dnnl_type(DType t);

// oneDNN orders 2-D image dimensions N, C, H, W; the IR's NHWC shape maps to
// those dims with the nhwc format tag (the same bytes).
memory::dims nchw_dims(const Shape& nhwc);

// Row-major descriptor of `shape` in the IR's own dimension order (rank 0: {1}).
memory::desc row_major_md(const Shape& shape, memory::data_type t);

// The canonical descriptor of a tensor kept in the IR's byte order: NCHW-logical
// dims with nhwc strides for rank 4, row_major_md otherwise. A zero descriptor
// for dtypes oneDNN does not know.
memory::desc plain_md(const Tensor& t);
// The same layout holding elements of type `dt` (e.g. a f32 tensor kept in bf16).
memory::desc plain_md(const Tensor& t, memory::data_type dt);

// True if oneDNN can hold the tensor's dtype.
bool dnnl_can_hold(const Tensor& t);

// Appends the fused activation as an eltwise post-op (relu, or clip to
// [min, max] with infinite bounds at +-FLT_MAX, like the reference kernels).
void append_activation(dnnl::post_ops& ops, const FusedActivation& act);

// Every field of a descriptor as text: equal texts, the same layout of the
// same elements (a packed-weight cache's key; the struct's padding bytes are
// not part of it).
std::string describe_md(const memory::desc& md);

// True if the ISA oneDNN uses here (the CPU's, capped by ONEDNN_MAX_CPU_ISA)
// has every feature of `isa` (cpu_isa values are feature bit sets).
bool onednn_isa_has(dnnl::cpu_isa isa);

// "dnnl:<implementation>", e.g. "dnnl:brgconv:avx512_core".
std::string impl_name(const dnnl::primitive_desc_base& pd);

// An attribute asking for a caller-provided scratchpad (so oneDNN allocates
// nothing while a model runs).
dnnl::primitive_attr user_scratchpad_attr();

}  // namespace edgebench::cpu
