#include "backends/cpu/lowering.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "backends/cpu/fp16_round.h"
#include "util/error.h"
#include "util/load_phases.h"
#include "util/page_pool.h"

namespace edgebench::cpu {

Lowering::Lowering(const Graph& g, dnnl::engine engine) : g_(g), engine_(std::move(engine)) {
  readers_.assign(g.tensors.size(), 0);
  for (const Node& n : g.nodes)
    for (int id : n.inputs)
      if (id >= 0) ++readers_[static_cast<size_t>(id)];
  for (int id : g.outputs) ++readers_[static_cast<size_t>(id)];
  places_.resize(g.tensors.size());
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const Tensor& tensor = g.tensors[t];
    if (!tensor.is_const()) continue;
    Buffer b;
    b.bytes = tensor.bytes();
    b.constant = static_cast<int>(t);
    buffers_.push_back(b);
    places_[t] = {static_cast<int>(buffers_.size()) - 1, plain_md(tensor), true};
  }
}

int Lowering::new_sparse_buffer(size_t bytes) {
  const int b = new_buffer(bytes);
  buffers_[static_cast<size_t>(b)].sparse = true;
  return b;
}

std::byte* Lowering::pack_scratch(size_t bytes) {
  if (pack_scratch_.size < bytes) {
    size_t largest = bytes;
    for (const Tensor& t : g_.tensors)
      if (t.is_const()) largest = std::max(largest, t.data.size);
    pack_scratch_ = {};  // the old one goes before the new one comes
    pack_scratch_ = allocate_pages(largest);
  }
  return pack_scratch_.data;
}

int Lowering::new_buffer(size_t bytes) {
  Buffer b;
  b.bytes = bytes;
  buffers_.push_back(b);
  return static_cast<int>(buffers_.size()) - 1;
}

Step& Lowering::add_step(std::string kernel) {
  steps_.emplace_back();
  steps_.back().node = node_;
  steps_.back().kernel = std::move(kernel);
  return steps_.back();
}

void Lowering::add_reorder(int from, const memory::desc& from_md, int to,
                           const memory::desc& to_md) {
  const dnnl::reorder::primitive_desc pd(engine_, from_md, engine_, to_md, user_scratchpad_attr());
  Step& s = add_step("dnnl:reorder:" + std::string(pd.impl_info_str()));
  s.prim = dnnl::reorder(pd);
  s.args = {{DNNL_ARG_FROM, from, from_md}, {DNNL_ARG_TO, to, to_md}};
  s.scratchpad_bytes = pd.scratchpad_desc().get_size();
}

int Lowering::input_as(int tensor, const memory::desc& want) {
  const TensorPlace& p = place(tensor);
  if (p.buffer < 0)
    fail(ErrorCode::kInternal, g_.source,
         "tensor '" + g_.tensor(tensor).name + "' is used before it is produced");
  if (p.md == want) return p.buffer;
  for (const CachedCopy& c : copies_)
    if (c.tensor == tensor && c.md == want) return c.buffer;
  const int b = new_buffer(want.get_size());
  add_reorder(p.buffer, p.md, b, want);
  copies_.push_back({tensor, want, b});
  return b;
}

int Lowering::input_plain(int tensor) {
  const TensorPlace& p = place(tensor);
  if (p.plain) {
    if (p.buffer < 0)
      fail(ErrorCode::kInternal, g_.source,
           "tensor '" + g_.tensor(tensor).name + "' is used before it is produced");
    return p.buffer;
  }
  return input_as(tensor, plain_md(g_.tensor(tensor)));
}

void Lowering::set_output(int tensor, int buffer, const memory::desc& md, bool plain) {
  places_.at(static_cast<size_t>(tensor)) = {buffer, md, plain};
}

int Lowering::new_output(int tensor, const memory::desc& md, bool plain) {
  const int b = new_buffer(md.get_size());
  set_output(tensor, b, md, plain);
  return b;
}

int Lowering::new_plain_output(int tensor) {
  const Tensor& t = g_.tensor(tensor);
  const int b = new_buffer(t.bytes());
  set_output(tensor, b, plain_md(t), true);
  return b;
}

bool Lowering::buffer_needed_later(int buffer, size_t except) const {
  const size_t now = exec_pos_.empty() ? node_ : exec_pos_[node_];
  for (size_t t = 0; t < places_.size(); ++t) {
    if (places_[t].buffer != buffer) continue;
    const int id = static_cast<int>(t);
    if (std::find(g_.outputs.begin(), g_.outputs.end(), id) != g_.outputs.end()) return true;
    for (size_t k = 0; k < g_.nodes.size(); ++k) {
      if (k == except) continue;
      const size_t pos = exec_pos_.empty() ? k : exec_pos_[k];
      if (pos < now) continue;
      const auto& in = g_.nodes[k].inputs;
      if (std::find(in.begin(), in.end(), id) != in.end()) return true;
    }
  }
  return false;
}

std::vector<int> Lowering::bind_graph_inputs() {
  std::vector<int> ids;
  for (int id : g_.inputs) {
    const int b = new_plain_output(id);
    buffers_[static_cast<size_t>(b)].live_from_start = true;
    ids.push_back(b);
  }
  return ids;
}

std::vector<int> Lowering::bind_graph_outputs() {
  std::vector<int> ids;
  for (int id : g_.outputs) {
    const int b = input_plain(id);
    buffers_[static_cast<size_t>(b)].live_to_end = true;
    ids.push_back(b);
  }
  return ids;
}

namespace {

// Reorders constant bytes seen as `from` into `dst`.
void reorder_constant(const dnnl::engine& engine, const void* data, const memory::desc& from,
                      dnnl::memory dst) {
  const LoadPhase phase("pack");
  dnnl::memory src(from, engine, const_cast<void*>(data));
  dnnl::stream stream(engine);
  try {
    dnnl::reorder(src, dst).execute(stream, src, dst);
  } catch (const dnnl::error&) {
    // Some packed formats (Winograd's) are reachable only from the plain
    // (oihw-ordered) layout: go through it.
    const memory::dims dims = from.dims();
    memory::dims strides(dims.size(), 1);
    for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
    dnnl::memory plain(memory::desc(dims, from.data_type(), strides), engine);
    dnnl::reorder(src, plain).execute(stream, src, plain);
    dnnl::reorder(plain, dst).execute(stream, plain, dst);
  }
  stream.wait();
}

// `from` views tensor `t`'s bytes in the IR's order; a deferred `t` (bytes
// that are its source's permuted, ConstData::permuted) has the same elements
// in its source's bytes: the same dimensions, each stride moved to the source
// axis it steps along. Packing reads the source through it, so the IR-order
// bytes are never made. nullopt where `from` is not such a plain view (a
// dimension stepping across several axes): the bytes are made and read.
std::optional<memory::desc> source_view(const memory::desc& from, const Tensor& t) {
  const ConstData::Permutation* p = t.data.permutation();
  const dnnl_memory_desc_t& d = from.data;
  if (!p || d.format_kind != dnnl_blocked || d.format_desc.blocking.inner_nblks != 0 ||
      d.offset0 != 0)
    return std::nullopt;
  const size_t r = t.shape.size();
  std::vector<int64_t> ir_stride(r, 1), src_stride(r, 1);
  for (size_t i = r; i-- > 1;) {
    ir_stride[i - 1] = ir_stride[i] * t.shape[i];
    src_stride[i - 1] = src_stride[i] * p->source_shape[i];
  }
  std::vector<int64_t> reach(r, 0);  // the furthest index along each IR axis
  memory::dims dims(d.dims, d.dims + d.ndims), strides(dims.size());
  for (size_t k = 0; k < dims.size(); ++k) {
    int64_t rest = d.format_desc.blocking.strides[k];
    if (dims[k] == 1) rest = 0;  // never stepped
    int64_t moved = 0;
    int axes = 0;
    for (size_t i = 0; i < r; ++i) {
      const int64_t step = rest / ir_stride[i];
      rest -= step * ir_stride[i];
      if (step == 0) continue;
      ++axes;
      reach[i] += step * (dims[k] - 1);
      moved += step * src_stride[static_cast<size_t>(p->perm[i])];
    }
    if (axes > 1) return std::nullopt;
    strides[k] = moved;
  }
  for (size_t i = 0; i < r; ++i)
    if (reach[i] >= t.shape[i]) return std::nullopt;  // a step would carry into the next axis
  return memory::desc(dims, from.data_type(), strides);
}

}  // namespace

dnnl::memory pack_constant(const dnnl::engine& engine, const void* data, const memory::desc& from,
                           const memory::desc& to) {
  dnnl::memory dst(to, engine);
  reorder_constant(engine, data, from, dst);
  return dst;
}

namespace {

// `src` seen as `from`, packed as `to` into memory the model keeps: the heap
// for small constants; for weights, their own private bytes where only this
// node reads them, else fresh pages.
dnnl::memory pack_into_memory(Lowering& L, int id, const void* src, const memory::desc& from,
                              const memory::desc& to, bool may_reuse) {
  const Tensor& t = L.graph().tensor(id);
  const size_t bytes = to.get_size();
  if (bytes < kPagePoolMinBytes) {  // small weights, a bias: the heap
    dnnl::memory dst(to, L.engine());
    reorder_constant(L.engine(), src, from, dst);
    return dst;
  }
  // Weights are most of a model's memory, and every fresh page written costs
  // a fault: reuse the bytes the importer converted them into where nothing
  // else reads them, else take fresh ones from the page pool.
  std::byte* own = may_reuse && L.readers(id) == 1 ? t.data.exclusive_bytes() : nullptr;
  if (own && bytes <= t.data.size) {
    std::byte* scratch = L.pack_scratch(bytes);
    reorder_constant(L.engine(), src, from, dnnl::memory(to, L.engine(), scratch));
    std::memcpy(own, scratch, bytes);
    L.keep(t.data.owner);
    return dnnl::memory(to, L.engine(), own);
  }
  // The scratch is as large as the largest constant: a fresh block as large
  // (the largest weights, packed with padding) would make the two together
  // the peak of loading. It is made again if a later weight needs it.
  if (bytes >= L.pack_scratch_size()) L.release_pack_scratch();
  PageBlock block = allocate_pages(bytes, /*populate=*/true);  // written whole next
  dnnl::memory dst(to, L.engine(), block.data);
  L.keep(std::move(block.owner));
  reorder_constant(L.engine(), src, from, dst);
  return dst;
}

}  // namespace

dnnl::memory pack_float_constant(Lowering& L, int id, const memory::desc& ir_view,
                                 const memory::desc& to, bool may_reuse) {
  const Tensor& t = L.graph().tensor(id);
  const size_t bytes = to.get_size();
  // Weights a cache file holds are mapped from it (the compiled model keeps
  // the mapping): their own bytes are not read.
  std::string cache_entry;
  const auto kind = to.data.format_kind;
  if (PackCache* cache = L.pack_cache();
      cache && (kind == dnnl_blocked || kind == dnnl_format_kind_wino)) {
    cache_entry = "tensor " + std::to_string(id) + " " + t.name + "; " + describe_md(to);
    if (const std::byte* cached = cache->find(cache_entry, bytes))
      return dnnl::memory(to, L.engine(), const_cast<std::byte*>(cached));  // never written
  }
  const void* src = nullptr;
  memory::desc from = ir_view;
  std::vector<float> rounded;
  if (L.float_precision().fp16_storage) {
    rounded.resize(static_cast<size_t>(t.elements()));
    std::memcpy(rounded.data(), t.data.bytes(), rounded.size() * sizeof(float));
    fp16_round_kernel().round(rounded.data(), rounded.size());
    src = rounded.data();
  } else if (const std::optional<memory::desc> source = source_view(ir_view, t)) {
    src = t.data.permutation()->source;  // the model file's bytes, never made in IR order
    from = *source;
  } else {
    src = t.data.bytes();
  }
  const dnnl::memory dst = pack_into_memory(L, id, src, from, to, may_reuse);
  if (!cache_entry.empty())
    L.pack_cache()->add(cache_entry, static_cast<const std::byte*>(dst.get_data_handle()), bytes);
  return dst;
}

dnnl::memory pack_bias(const Lowering& L, const Tensor& bias, const memory::desc& md) {
  // Plain f32 both sides: a copy, with no reorder to make and run.
  dnnl::memory dst(md, L.engine());
  if (md.get_size() != bias.data.size)
    fail(ErrorCode::kInternal, L.graph().source,
         "bias '" + bias.name + "' of " + std::to_string(bias.data.size) +
             " bytes for a descriptor of " + std::to_string(md.get_size()));
  bias.data.copy_to(static_cast<std::byte*>(dst.get_data_handle()));
  return dst;
}

}  // namespace edgebench::cpu
