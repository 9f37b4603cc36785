// Pointwise quantized convolutions (and fully-connected layers) in bands of
// pixels: for each band, oneDNN's int32 products (~256 KiB, so they stay in
// L2), the band's window sums when d != 0, then the requantization epilogue.
// Over the whole image the int32 products of one layer are several MiB that
// would go to L3 and back; in bands they never leave L2. One step runs all
// bands; everything it calls is bound at compile time.
//
// With several threads and enough bands, each thread takes every T-th band
// with its own int32 buffer, scratchpad and stream (oneDNN runs a primitive on
// the calling thread alone inside a parallel region): one fork/join per layer
// instead of three per band. With few bands, the threads share each band.
#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <dnnl.hpp>
#include <memory>

#include "backends/cpu/conv_int8_plan.h"
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {
namespace {

constexpr int64_t kBandBytes = 256 << 10;

struct Band {
  dnnl_primitive_t prim = nullptr;
  std::vector<dnnl_exec_arg_t> args;
  int8::WindowSumArgs sums;
  int8::EpilogueArgs epilogue;
};

struct BandedRun {
  std::vector<dnnl::stream> streams;  // one per worker
  int workers = 1;
  std::vector<dnnl::primitive> prims;
  std::vector<dnnl::memory> memories;
  std::shared_ptr<Int8ConvData> data;
  std::vector<Band> bands;
  void (*window_sums)(const int8::WindowSumArgs&) = nullptr;  // null when d == 0
  void (*requantize)(const int8::EpilogueArgs&) = nullptr;

  void run_band(const Band& b, int worker) const {
    dnnl_primitive_execute(b.prim, streams[static_cast<size_t>(worker)].get(),
                           static_cast<int>(b.args.size()), b.args.data());
    if (window_sums) window_sums(b.sums);
    requantize(b.epilogue);
  }

  void operator()() const {
    if (workers == 1) {
      for (const Band& b : bands) run_band(b, 0);
      return;
    }
#pragma omp parallel num_threads(workers)
    {
      const int t = omp_get_thread_num();
      for (size_t i = static_cast<size_t>(t); i < bands.size(); i += static_cast<size_t>(workers))
        run_band(bands[i], t);
    }
  }
};

}  // namespace

void emit_int8_conv_banded(Lowering& L, const Node& n, const Int8ConvPlan& plan) {
  using tag = memory::format_tag;
  const int64_t ic = plan.geo.in_c, oc = plan.geo.out_c, pixels = plan.pixels;
  const int threads = L.threads();
  int64_t band = std::clamp<int64_t>(kBandBytes / (4 * oc), 64, pixels);
  // Several threads: at least two bands each where the image allows.
  if (threads > 1) band = std::min(band, std::max<int64_t>(64, pixels / (2 * threads)));
  if (band < pixels) band = std::max<int64_t>(16, band / 16 * 16);
  const int64_t band_count = (pixels + band - 1) / band;
  const int workers = threads > 1 && band_count >= threads ? threads : 1;
  const int64_t tail = pixels % band;
  const auto src_t = plan.u8 ? memory::data_type::u8 : memory::data_type::s8;
  const auto src_md = [=](int64_t len) { return memory::desc({1, ic, len, 1}, src_t, tag::nhwc); };
  const auto acc_md = [=](int64_t len) {
    return memory::desc({1, oc, len, 1}, memory::data_type::s32, tag::nhwc);
  };
  const memory::desc user_w({oc, ic, 1, 1}, memory::data_type::s8, tag::ohwi);
  const auto make_pd = [&](int64_t len) {
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md(len),
        memory::desc(user_w.dims(), memory::data_type::s8, tag::any), acc_md(len), {1, 1}, {0, 0},
        {0, 0}, {0, 0});
    return dnnl::convolution_forward::primitive_desc(desc, user_scratchpad_attr(), L.engine());
  };
  const auto pd_band = make_pd(band);
  const auto pd_tail = tail ? make_pd(tail) : pd_band;
  const dnnl::memory w_band =
      pack_constant(L.engine(), plan.wq.data(), user_w, pd_band.weights_desc());
  const dnnl::memory w_tail =
      pd_tail.weights_desc() == pd_band.weights_desc()
          ? w_band
          : pack_constant(L.engine(), plan.wq.data(), user_w, pd_tail.weights_desc());
  const size_t scratch_bytes =
      std::max(pd_band.scratchpad_desc().get_size(), pd_tail.scratchpad_desc().get_size());

  const int src = L.input_plain(n.inputs[0]);
  // Per worker: int32 products, window sums, scratchpad.
  const size_t acc_bytes = static_cast<size_t>(band * oc) * sizeof(int32_t);
  const size_t sums_bytes = static_cast<size_t>(band) * sizeof(int32_t);
  const size_t scratch_stride = (std::max<size_t>(scratch_bytes, 1) + 63) / 64 * 64;
  const int acc = L.new_buffer(acc_bytes * static_cast<size_t>(workers));
  const int sums = plan.d != 0 ? L.new_buffer(sums_bytes * static_cast<size_t>(workers)) : -1;
  const int scratch = L.new_buffer(scratch_stride * static_cast<size_t>(workers));
  const int out = L.new_plain_output(n.outputs[0]);
  const int8::Kernels& k = int8::int8_kernels();
  const std::string type = plan.u8 ? "u8_" : "i8_";
  Step& s = L.add_step(impl_name(pd_band) + (plan.d ? " + cpu:window_sums_" + type + k.isa : "") +
                       " + cpu:requantize_" + type + k.isa + " (" + std::to_string(band_count) +
                       " bands" + (workers > 1 ? ", 1 per thread)" : ")"));
  s.uses = {src, acc, scratch, out};
  if (sums >= 0) s.uses.push_back(sums);

  const dnnl::engine engine = L.engine();
  const dnnl::primitive prim_band = dnnl::convolution_forward(pd_band);
  const dnnl::primitive prim_tail = tail ? dnnl::convolution_forward(pd_tail) : prim_band;
  const int8::Geometry geo = plan.geo;
  const int32_t d = plan.d;
  const bool u8 = plan.u8;
  auto data = plan.data;
  s.make_fn = [=, &k](const BufferPtrs& ptrs) -> std::function<void()> {
    auto run = std::make_shared<BandedRun>();
    run->workers = workers;
    for (int t = 0; t < workers; ++t) run->streams.emplace_back(engine);
    run->prims = {prim_band, prim_tail};
    run->memories = {w_band, w_tail};
    run->data = data;
    run->window_sums = d != 0 ? (u8 ? k.window_sums_u8 : k.window_sums_s8) : nullptr;
    run->requantize = u8 ? k.requantize_u8 : k.requantize_s8;
    const std::byte* x = ptrs[static_cast<size_t>(src)];
    std::byte* y = ptrs[static_cast<size_t>(out)];
    const memory::desc scratch_md({static_cast<memory::dim>(scratch_stride)}, memory::data_type::u8,
                                  tag::x);
    run->memories.reserve(run->memories.size() + 3 * static_cast<size_t>(band_count) + 2);
    for (int64_t i = 0; i < band_count; ++i) {
      const int64_t start = i * band, len = std::min(band, pixels - start);
      const size_t worker = static_cast<size_t>(i % workers);
      auto* a = reinterpret_cast<int32_t*>(ptrs[static_cast<size_t>(acc)] + worker * acc_bytes);
      auto* sum =
          sums >= 0
              ? reinterpret_cast<int32_t*>(ptrs[static_cast<size_t>(sums)] + worker * sums_bytes)
              : nullptr;
      const bool full = len == band;
      Band b;
      b.prim = (full ? prim_band : prim_tail).get();
      run->memories.emplace_back(src_md(len), engine, const_cast<std::byte*>(x + start * ic));
      const dnnl_memory_t src_mem = run->memories.back().get();
      run->memories.emplace_back(acc_md(len), engine, a);
      const dnnl_memory_t acc_mem = run->memories.back().get();
      run->memories.emplace_back(scratch_md, engine,
                                 ptrs[static_cast<size_t>(scratch)] + worker * scratch_stride);
      const dnnl_memory_t scratch_mem = run->memories.back().get();
      b.args = {{DNNL_ARG_SRC, src_mem},
                {DNNL_ARG_WEIGHTS, (full ? w_band : w_tail).get()},
                {DNNL_ARG_DST, acc_mem},
                {DNNL_ARG_SCRATCHPAD, scratch_mem}};
      b.sums.g = geo;
      b.sums.g.batch = 1;
      b.sums.g.in_h = b.sums.g.out_h = static_cast<int>(len);
      b.sums.g.in_w = b.sums.g.out_w = 1;
      b.sums.x = x + start * ic;
      b.sums.sums = sum;
      b.sums.scale = d;
      b.epilogue.acc = a;
      b.epilogue.pixels = len;
      b.epilogue.channels = static_cast<int>(oc);
      b.epilogue.channel_add = data->row_of_pixel.data() + start;
      b.epilogue.pixel_add = sum;
      b.epilogue.q = data->requant();
      b.epilogue.out = y + start * oc;
      run->bands.push_back(std::move(b));
    }
    return [run] { (*run)(); };
  };
}

}  // namespace edgebench::cpu
