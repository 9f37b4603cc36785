// How the cpu backend turns a graph into a list of steps over one arena.
//
// compile() walks the nodes in order and lowers each through the first kernel
// in the table (cpu_backend.cpp) that supports it. A lowering creates oneDNN
// primitive descriptors (layouts left to the library: format_tag::any), asks
// the context for its inputs in the layouts the primitive chose (a reorder step
// is inserted only where the producer's layout differs; reorders are cached
// per tensor and layout), packs constant weights once, and records one or more
// steps whose operands are buffer ids. Then buffers get arena offsets by
// liveness (arena_plan.h), and every step is bound to fixed pointers: running
// is a loop over prepared primitive calls and functions.
#pragma once

#include <cstddef>
#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/dnnl_util.h"
#include "backends/cpu/pack_cache.h"
#include "ir/graph.h"
#include "util/page_pool.h"

namespace edgebench::cpu {

// A block of bytes a tensor or a temporary lives in while the model runs.
struct Buffer {
  size_t bytes = 0;
  // A constant tensor's id: its bytes, outside the arena, read where the graph
  // holds them (a deferred constant's are made when the model binds, and
  // only if a step reads them).
  int constant = -1;
  // A graph input is written before the first step (copy-in), a graph output
  // read after the last (copy-out): live from the start, or to the end, of a
  // run. Between, the arena reuses their space like any other's (InceptionV3's
  // 1 MiB input is dead by the time its 147x147 layers peak).
  bool live_from_start = false;
  bool live_to_end = false;
  // Scratch a primitive books but writes in part (oneDNN's Winograd aligns
  // each of its buffers to 2 MiB and books transformed weights it does not
  // use when they come packed): outside the arena, in one region shared by
  // all sparse buffers (each belongs to one step) and never written by us, so
  // only the pages the primitives write become memory.
  bool sparse = false;
};

// Where a tensor is and how its bytes are laid out.
struct TensorPlace {
  int buffer = -1;    // -1: not produced yet
  memory::desc md;    // NCHW-logical for rank 4 (see dnnl_util.h); zero for non-oneDNN dtypes
  bool plain = true;  // bytes in the IR's order (NHWC / row-major)
};

// One operand of a oneDNN primitive: a buffer seen through a descriptor.
struct ArgRef {
  int arg = 0;  // DNNL_ARG_*
  int buffer = -1;
  memory::desc md;
};

// Addresses of all buffers, by id, once the arena exists.
using BufferPtrs = std::vector<std::byte*>;

struct Step {
  size_t node = 0;     // the graph node this step belongs to (profiles)
  std::string kernel;  // e.g. "dnnl:brgconv:avx512_core", "ref:softmax_f32"
  // Either a oneDNN primitive with its operands ...
  dnnl::primitive prim;
  std::vector<ArgRef> args;
  std::vector<std::pair<int, dnnl::memory>> fixed_args;  // packed weights, bias (owned)
  size_t scratchpad_bytes = 0;  // arena space for the primitive's scratchpad
  int scratchpad_buffer = -1;   // or a sparse buffer (Buffer::sparse)
  // ... or a function made once buffers have addresses, touching `uses`.
  std::function<std::function<void()>(const BufferPtrs&)> make_fn;
  std::vector<int> uses;
};

// How float nodes compute (--precision): the type their activations and
// weights take inside the kernels (f32 or bf16; accumulation is f32 in every
// case), and whether values are rounded to fp16 where fp16 storage would
// round them (weights once, activations after each node): fp16 storage with
// f32 compute.
struct FloatPrecision {
  memory::data_type compute = memory::data_type::f32;
  bool fp16_storage = false;
};

class Lowering {
 public:
  Lowering(const Graph& g, dnnl::engine engine);

  const Graph& graph() const { return g_; }
  const dnnl::engine& engine() const { return engine_; }
  const TensorPlace& place(int tensor) const { return places_.at(static_cast<size_t>(tensor)); }
  const Buffer& buffer(int id) const { return buffers_.at(static_cast<size_t>(id)); }
  std::vector<Step>& steps() { return steps_; }
  const std::vector<Buffer>& buffers() const { return buffers_; }

  // Threads the model runs with (kernels may split work per thread).
  void set_threads(int threads) { threads_ = threads; }
  int threads() const { return threads_; }

  void set_float_precision(FloatPrecision p) { float_ = p; }
  const FloatPrecision& float_precision() const { return float_; }

  // Float convolutions keep activations in oneDNN's blocked nChw16c layout
  // (channel counts that are multiples of 16) rather than letting the library
  // choose (nhwc with its brgemm kernels): see blocked_float_layout_pays in
  // cpu_backend.cpp for when.
  void set_blocked_float_layout(bool on) { blocked_float_ = on; }
  bool blocked_float_layout() const { return blocked_float_; }
  // Whether a float activation of `channels` channels is kept in nChw16c.
  bool blocked_float(int64_t channels) const { return blocked_float_ && channels % 16 == 0; }
  // The element type float kernels read and write activations in.
  memory::data_type float_type() const { return float_.compute; }

  // The node being lowered (steps added now belong to it).
  void begin_node(size_t node) { node_ = node; }
  size_t node() const { return node_; }

  int new_buffer(size_t bytes);
  int new_sparse_buffer(size_t bytes);
  Step& add_step(std::string kernel);

  // The tensor's bytes laid out as `want`: its own buffer when the layouts
  // match, else a (cached) reordered copy.
  int input_as(int tensor, const memory::desc& want);
  // The tensor in the IR's byte order (constants: their own bytes).
  int input_plain(int tensor);
  // A reorder step from one buffer/layout to another.
  void add_reorder(int from, const memory::desc& from_md, int to, const memory::desc& to_md);

  // Records where a node's output lives.
  void set_output(int tensor, int buffer, const memory::desc& md, bool plain);
  // A fresh buffer for a node's output in layout `md`; returns the buffer id.
  int new_output(int tensor, const memory::desc& md, bool plain);
  // A fresh buffer for a plain output of the tensor's own size.
  int new_plain_output(int tensor);

  // Where each node runs in the step order (a convolution absorbed by an Add
  // runs at the Add's position); defaults to the node's own index.
  void set_exec_positions(std::vector<size_t> pos) { exec_pos_ = std::move(pos); }
  // True if some tensor held in `buffer`, other than through node `except`, is
  // read at or after the current node's position, or is a graph output.
  bool buffer_needed_later(int buffer, size_t except) const;

  // Graph inputs/outputs: plain buffers live from the start / to the end of a
  // run; returns the buffer per tensor.
  std::vector<int> bind_graph_inputs();
  std::vector<int> bind_graph_outputs();

  // How many nodes (and graph outputs) read the tensor.
  int readers(int tensor) const { return readers_.at(static_cast<size_t>(tensor)); }

  // Memory that steps' fixed arguments point into (packed weights), kept for
  // as long as the compiled model.
  void keep(std::shared_ptr<const void> owner) { kept_.push_back(std::move(owner)); }
  std::vector<std::shared_ptr<const void>>& kept() { return kept_; }
  // A buffer of at least `bytes` for packing through, reused from one weight
  // to the next (sized once, for the largest weight); freed by
  // release_pack_scratch, before the arena is made.
  std::byte* pack_scratch(size_t bytes);
  void release_pack_scratch() { pack_scratch_ = {}; }
  size_t pack_scratch_size() const { return pack_scratch_.size; }
  // Where packed weights are looked up first and recorded (nullptr: nowhere).
  void set_pack_cache(PackCache* cache) { pack_cache_ = cache; }
  PackCache* pack_cache() const { return pack_cache_; }

 private:
  struct CachedCopy {
    int tensor;
    memory::desc md;
    int buffer;
  };
  const Graph& g_;
  dnnl::engine engine_;
  size_t node_ = 0;
  int threads_ = 1;
  FloatPrecision float_;
  bool blocked_float_ = false;
  std::vector<TensorPlace> places_;
  std::vector<Buffer> buffers_;
  std::vector<Step> steps_;
  std::vector<CachedCopy> copies_;
  std::vector<size_t> exec_pos_;
  std::vector<int> readers_;
  std::vector<std::shared_ptr<const void>> kept_;
  PageBlock pack_scratch_;
  PackCache* pack_cache_ = nullptr;
};

// Packs constant bytes viewed as `from` into a library-owned memory of layout
// `to` (weights, once, at compile time).
dnnl::memory pack_constant(const dnnl::engine& engine, const void* data, const memory::desc& from,
                           const memory::desc& to);

// A float kernel's constant operand (weights, bias: tensor `id`) packed as
// `to`: rounded to fp16 values first under fp16 storage, converted to `to`'s
// type (bf16) by the reorder otherwise. A constant only this node reads, in a
// private buffer (ConstData::exclusive_bytes), is packed over its own bytes
// when the packed form fits and `may_reuse`: no fresh memory, and its bytes
// are then the packed ones (the caller releases the tensor; a caller packing
// one constant in several layouts allows it for the last only).
dnnl::memory pack_float_constant(Lowering& L, int id, const memory::desc& from,
                                 const memory::desc& to, bool may_reuse = true);

// A float kernel's bias, f32 under every precision: it is added to the f32
// accumulator, so it takes the accumulator's type, as int8 kernels keep int32
// biases. Rounding it to fp16 (what fp16 storage did before) shifted each
// channel by the same error at every pixel; on the dequantized MobileNetV2 it
// was a fifth of fp16's logit error, for 0.5 % of the weight bytes.
dnnl::memory pack_bias(const Lowering& L, const Tensor& bias, const memory::desc& md);

}  // namespace edgebench::cpu
