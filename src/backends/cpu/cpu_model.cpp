#include "backends/cpu/cpu_model.h"

#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "backends/cpu/arena_plan.h"
#include "util/error.h"
#include "util/page_pool.h"

namespace edgebench::cpu {

CpuModel::CpuModel(std::unique_ptr<Graph> graph, dnnl::engine engine, std::vector<Step> steps,
                   std::vector<Buffer> buffers, std::vector<int> input_buffers,
                   std::vector<int> output_buffers, std::vector<std::string> kernel_names,
                   int threads, std::vector<std::shared_ptr<const void>> kept)
    : graph_(std::move(graph)),
      engine_(std::move(engine)),
      stream_(engine_),
      threads_(threads),
      steps_(std::move(steps)),
      kept_(std::move(kept)),
      kernel_names_(std::move(kernel_names)) {
  // Liveness of the arena buffers, in steps.
  const int last_step = static_cast<int>(steps_.size());  // copy-out happens "after" the last
  std::vector<BufferLife> life(buffers.size());
  std::vector<bool> used(buffers.size(), false);
  auto touch = [&](int b, int step) {
    BufferLife& l = life[static_cast<size_t>(b)];
    if (!used[static_cast<size_t>(b)]) l.first = l.last = step;
    l.first = std::min(l.first, step);
    l.last = std::max(l.last, step);
    used[static_cast<size_t>(b)] = true;
  };
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (const ArgRef& a : steps_[i].args) touch(a.buffer, static_cast<int>(i));
    for (int b : steps_[i].uses) touch(b, static_cast<int>(i));
    if (steps_[i].scratchpad_buffer >= 0) touch(steps_[i].scratchpad_buffer, static_cast<int>(i));
  }
  size_t sparse_bytes = 0;
  for (size_t b = 0; b < buffers.size(); ++b) {
    if (buffers[b].sparse) {
      // They share one region: each must belong to one step.
      if (life[b].first != life[b].last)
        fail(ErrorCode::kInternal, graph_->source, "a sparse buffer used by several steps");
      sparse_bytes = std::max(sparse_bytes, buffers[b].bytes);
    }
    life[b].bytes = buffers[b].constant >= 0 || buffers[b].sparse ? 0 : buffers[b].bytes;
    if (buffers[b].live_from_start) touch(static_cast<int>(b), -1);
    if (buffers[b].live_to_end) touch(static_cast<int>(b), last_step);
  }
  // Each primitive's scratchpad lives for its own step only: planned with the
  // activations, it reuses space they no longer need (sparse ones, which
  // book far more than they write, have their own region: Buffer::sparse).
  std::vector<size_t> scratch_slot(steps_.size(), 0);
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].scratchpad_bytes == 0) continue;
    scratch_slot[i] = life.size();
    life.push_back({steps_[i].scratchpad_bytes, static_cast<int>(i), static_cast<int>(i)});
  }
  const ArenaPlan plan = plan_arena(life);
  arena_bytes_ = plan.total;
  // Fresh pages (zeros: blocked layouts' padding must read as zero), faulted
  // in by the first run that writes them, as ONNX Runtime's arena and
  // TFLite's are: the load does not count ~1.3 us per 4 KiB page (2 ms of
  // MobileNetV2's 6 MiB), the first run does (bench reports it:
  // first_run_ms, for the other runtimes too).
  PageBlock arena = allocate_pages(arena_bytes_);
  arena_ = arena.data;
  arena_owner_ = std::move(arena.owner);
  PageBlock sparse = allocate_pages(sparse_bytes);  // not populated: see Buffer::sparse
  sparse_owner_ = std::move(sparse.owner);

  BufferPtrs ptrs(buffers.size());
  for (size_t b = 0; b < buffers.size(); ++b) {
    const int c = buffers[b].constant;
    if (c >= 0)  // unread constants (packed weights) stay as they are
      ptrs[b] = used[b] ? const_cast<std::byte*>(graph_->tensor(c).data.bytes()) : nullptr;
    else
      ptrs[b] = buffers[b].sparse ? sparse.data : arena_ + plan.offsets[b];
  }
  // Bind every step to its addresses.
  bound_.reserve(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& s = steps_[i];
    BoundStep b;
    b.node = s.node;
    if (s.make_fn) {
      b.fn = s.make_fn(ptrs);
    } else {
      b.prim = s.prim.get();
      for (const ArgRef& a : s.args) {
        memories_.emplace_back(a.md, engine_, ptrs[static_cast<size_t>(a.buffer)]);
        b.args.push_back({a.arg, memories_.back().get()});
      }
      for (const auto& [arg, mem] : s.fixed_args) b.args.push_back({arg, mem.get()});
      if (s.scratchpad_bytes > 0 || s.scratchpad_buffer >= 0) {
        const size_t bytes = s.scratchpad_buffer >= 0
                                 ? buffers[static_cast<size_t>(s.scratchpad_buffer)].bytes
                                 : s.scratchpad_bytes;
        const memory::desc md({static_cast<memory::dim>(bytes)}, memory::data_type::u8,
                              memory::format_tag::x);
        memories_.emplace_back(md, engine_,
                               s.scratchpad_buffer >= 0
                                   ? ptrs[static_cast<size_t>(s.scratchpad_buffer)]
                                   : arena_ + plan.offsets[scratch_slot[i]]);
        b.args.push_back({DNNL_ARG_SCRATCHPAD, memories_.back().get()});
      }
    }
    bound_.push_back(std::move(b));
  }
  for (size_t i = 0; i < input_buffers.size(); ++i) {
    input_ptrs_.push_back(ptrs[static_cast<size_t>(input_buffers[i])]);
    input_bytes_.push_back(graph_->tensor(graph_->inputs[i]).bytes());
  }
  for (size_t i = 0; i < output_buffers.size(); ++i) {
    output_ptrs_.push_back(ptrs[static_cast<size_t>(output_buffers[i])]);
    output_bytes_.push_back(graph_->tensor(graph_->outputs[i]).bytes());
  }
}

void CpuModel::copy_in(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
  if (inputs.size() != input_ptrs_.size() || outputs.size() != output_ptrs_.size())
    fail(ErrorCode::kUsage, graph_->source,
         "expected " + std::to_string(input_ptrs_.size()) + " input and " +
             std::to_string(output_ptrs_.size()) + " output buffers, got " +
             std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  // oneDNN's OpenMP runtime reads the calling thread's setting.
  omp_set_num_threads(threads_);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (input_bytes_[i] > 0) std::memcpy(input_ptrs_[i], inputs[i], input_bytes_[i]);
}

void CpuModel::copy_out(const std::vector<void*>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i)
    if (output_bytes_[i] > 0) std::memcpy(outputs[i], output_ptrs_[i], output_bytes_[i]);
}

void CpuModel::execute(const BoundStep& s) {
  if (s.fn) {
    s.fn();
    return;
  }
  dnnl_primitive_execute(s.prim, stream_.get(), static_cast<int>(s.args.size()), s.args.data());
}

void CpuModel::run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
  copy_in(inputs, outputs);
  for (const BoundStep& s : bound_) execute(s);
  copy_out(outputs);
}

void CpuModel::run_profiled(const std::vector<const void*>& inputs,
                            const std::vector<void*>& outputs, std::vector<NodeTiming>& timings) {
  copy_in(inputs, outputs);
  timings.assign(graph_->nodes.size(), NodeTiming{});
  for (size_t i = 0; i < timings.size(); ++i) timings[i].node = i;
  for (const BoundStep& s : bound_) {
    const auto start = std::chrono::steady_clock::now();
    execute(s);
    const auto end = std::chrono::steady_clock::now();
    timings[s.node].ms += std::chrono::duration<double, std::milli>(end - start).count();
  }
  copy_out(outputs);
}

}  // namespace edgebench::cpu
