// Convolutions computed over bands of output rows, with the max pool that
// reads them where there is one.
//
// Two layers of InceptionV3 set its memory peak. Its 147x147x32 -> 64
// convolution writes 5.3 MiB that only the following 3x3/2 max pool reads,
// which keeps 1.3 MiB of it; and oneDNN's Winograd F(4x4, 3x3) (jit_wino_4x3)
// keeps the whole image's transformed input and output tiles in its
// scratchpad, 12 MiB on the 73x73x80 -> 192 layer. Over bands of rows, a
// convolution needs only its band's rows of either: each band's input rows
// (with the rows its window reaches beyond them) are copied into a small
// buffer, convolved there, pooled there when a max pool follows, and copied
// into place. One step runs all bands, each band's primitives on all the
// threads. (Giving each thread whole bands, with its own buffers, made
// InceptionV3 slower at 2 threads on Zen 4: 53 -> 55 ms, against 49 this way,
// and needed a copy of the buffers per thread.)
#include <dnnl.h>

#include <algorithm>
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/lowerers.h"
#include "util/load_phases.h"

namespace edgebench::cpu {
namespace {

// A Winograd band's transformed input and output tiles (36 floats per tile
// per channel) stay within this (on InceptionV3, one 4-row tile row of its
// 73x73 layer, 7 of a 35x35 one) ...
constexpr int64_t kWinogradBandBytes = int64_t{1} << 19;
// ... and a band's convolution output when a max pool reads it.
constexpr int64_t kPooledBandBytes = int64_t{1} << 20;
// Convolutions with a max pool are banded when their output is at least this.
constexpr size_t kMinPooledBytes = size_t{2} << 20;
constexpr int64_t kTile = 4;  // output rows per Winograd tile row

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

struct Geometry {
  int64_t ih = 0, oh = 0, kh = 0, stride = 1, pad_top = 0;              // the convolution
  int64_t pool_oh = 0, pool_kh = 0, pool_stride = 1, pool_pad_top = 0;  // the pool, if any
  bool pooled = false;
};

// The rows [begin, end) that a window of k rows at `stride`, `pad` rows of
// zeros before row 0, reads for output rows [first, last) of an input of
// `rows` rows (output row r reads r * stride - pad .. + k - 1), and the rows
// of padding it reaches beyond them at either end.
void reach(int64_t first, int64_t last, int64_t k, int64_t stride, int64_t pad, int64_t rows,
           int64_t& begin, int64_t& end, int64_t& pad_top, int64_t& pad_bottom) {
  const int64_t lo = first * stride - pad, hi = (last - 1) * stride - pad + k;
  begin = std::max<int64_t>(0, lo);
  end = std::min(rows, hi);
  pad_top = begin - lo;
  pad_bottom = hi - end;
}

// Bands of `rows` convolution output rows each (fewer for the last), as
// bands of the step's output: the pool's rows when there is one.
std::vector<ConvBand> plan_bands(const Geometry& g, int64_t rows) {
  // Output rows per band: a pool band of p rows reads (p - 1) * stride + k rows.
  const int64_t per_band =
      g.pooled ? std::max<int64_t>(1, (rows - g.pool_kh) / g.pool_stride + 1) : rows;
  const int64_t out_rows = g.pooled ? g.pool_oh : g.oh;
  const int64_t count = ceil_div(out_rows, per_band);
  std::vector<ConvBand> bands;
  for (int64_t b = 0, row = 0; b < count; ++b) {
    ConvBand band;
    band.out_begin = row;
    band.out_end = row = std::min(out_rows, row + per_band);
    band.conv_begin = band.out_begin;
    band.conv_end = band.out_end;
    if (g.pooled)
      reach(band.out_begin, band.out_end, g.pool_kh, g.pool_stride, g.pool_pad_top, g.oh,
            band.conv_begin, band.conv_end, band.pool_pad_top, band.pool_pad_bottom);
    reach(band.conv_begin, band.conv_end, g.kh, g.stride, g.pad_top, g.ih, band.in_begin,
          band.in_end, band.pad_top, band.pad_bottom);
    bands.push_back(band);
  }
  return bands;
}

// Convolution output rows per band, 0 when one band would do.
int64_t band_rows(const Geometry& g, const dnnl::convolution_forward::primitive_desc& whole) {
  const memory::dims sd = whole.src_desc().dims(), dd = whole.dst_desc().dims();
  int64_t rows = g.oh;
  if (std::string(whole.impl_info_str()).find("wino_4x3") != std::string::npos) {
    // Bands of whole tile rows, which a strided pool's bands are not (one
    // pool row of a 3x3/2 pool reads 3 rows: 35 bands of a quarter wasted).
    if (g.pooled) return 0;
    const int64_t tile_row_bytes = 36 * ceil_div(dd[3], kTile) * (sd[1] + dd[1]) * 4;
    rows = kTile * std::max<int64_t>(1, kWinogradBandBytes / tile_row_bytes);
  }
  if (g.pooled && whole.dst_desc().get_size() >= kMinPooledBytes) {
    const int64_t row_bytes = static_cast<int64_t>(whole.dst_desc().get_size()) / g.oh;
    rows = std::min(rows, std::max<int64_t>(g.pool_kh, kPooledBandBytes / row_bytes));
  }
  return rows < g.oh ? rows : 0;
}

// The primitives of every band, made at compile time (their descriptors are
// dropped once they are made).
struct BandPrimitives {
  memory::desc src_md, dst_md;  // the whole input and output
  std::vector<ConvBand> bands;
  std::vector<dnnl::convolution_forward::primitive_desc> convs;
  std::vector<dnnl::pooling_forward::primitive_desc> pools;  // empty without a pool
  std::vector<dnnl::reorder::primitive_desc> copies_in, copies_out;
  std::vector<std::vector<dnnl::primitive>> prims;  // copy in, convolve, [pool,] copy out
  std::vector<dnnl::memory> weights;                // per band (bands share layouts)
  dnnl::memory bias;
  // 64-byte multiples: the largest band's input, convolution output, pool
  // output, and scratchpads.
  size_t src_bytes = 0, conv_bytes = 0, pool_bytes = 0, scratch_bytes = 0, pool_scratch_bytes = 0;
};

// All bands bound to addresses: what the step runs.
struct BandRun {
  dnnl::stream stream;
  std::vector<dnnl::memory> memories;
  struct Call {
    dnnl_primitive_t prim;
    std::vector<dnnl_exec_arg_t> args;
  };
  std::vector<Call> calls;  // band after band

  void operator()() const {
    for (const Call& c : calls)
      dnnl_primitive_execute(c.prim, stream.get(), static_cast<int>(c.args.size()), c.args.data());
  }
};

// A memory descriptor of a primitive (the primitive keeps its descriptor:
// the model need not keep another, 20 KiB for a convolution's).
memory::desc md_of(const dnnl::primitive& prim, dnnl_query_t what) {
  return memory::desc(*dnnl_primitive_desc_query_md(prim.get_primitive_desc(), what, 0));
}

memory::desc rows_of(const memory::desc& md, int64_t begin, int64_t end) {
  memory::dims dims = md.dims();
  dims[2] = end - begin;
  return md.submemory_desc(dims, {0, 0, begin, 0});
}

}  // namespace

std::vector<ConvPoolPair> find_banded_conv_pools(const Graph& g) {
  std::vector<int> readers(g.tensors.size(), 0);
  for (const Node& n : g.nodes)
    for (int id : n.inputs)
      if (id >= 0) ++readers[static_cast<size_t>(id)];
  for (int id : g.outputs) readers[static_cast<size_t>(id)] += 2;
  std::vector<int> producer(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int id : g.nodes[i].outputs) producer[static_cast<size_t>(id)] = static_cast<int>(i);
  std::vector<ConvPoolPair> pairs;
  for (size_t p = 0; p < g.nodes.size(); ++p) {
    const Node& pool = g.nodes[p];
    if (pool.op != OpType::kMaxPool2D) continue;
    const int t = pool.inputs[0];
    const int c = producer[static_cast<size_t>(t)];
    if (c < 0 || readers[static_cast<size_t>(t)] != 1) continue;
    const Node& conv = g.nodes[static_cast<size_t>(c)];
    if (conv.op != OpType::kConv2D || !conv_f32_supports(g, conv)) continue;
    const auto& a = conv.attr<Conv2DAttrs>();
    if (a.dilation_h != 1 || g.tensor(t).bytes() < kMinPooledBytes) continue;
    pairs.push_back({static_cast<size_t>(c), p});
  }
  return pairs;
}

bool lower_conv_in_bands(Lowering& L, const Node& n, const Node* max_pool, int src,
                         const memory::desc& user_w,
                         const dnnl::convolution_forward::primitive_desc& whole,
                         const ConvBandPd& band_pd,
                         const std::function<int(const memory::desc&)>& make_dst) {
  const Graph& g = L.graph();
  const auto& a = n.attr<Conv2DAttrs>();
  Geometry geo;
  geo.ih = g.tensor(n.inputs[0]).shape[1];
  geo.oh = g.tensor(n.outputs[0]).shape[1];
  geo.kh = g.tensor(n.inputs[1]).shape[1];
  geo.stride = a.stride_h;
  geo.pad_top = a.pad.top;
  Pool2DAttrs pa;
  dnnl::primitive_attr pool_attr = user_scratchpad_attr();
  if (max_pool) {
    pa = max_pool->attr<Pool2DAttrs>();
    geo.pooled = true;
    geo.pool_oh = g.tensor(max_pool->outputs[0]).shape[1];
    geo.pool_kh = pa.filter_h;
    geo.pool_stride = pa.stride_h;
    geo.pool_pad_top = pa.pad.top;
    dnnl::post_ops ops;
    append_activation(ops, pa.act);
    pool_attr.set_post_ops(ops);
  }
  const int64_t rows = band_rows(geo, whole);
  if (rows == 0) return false;

  const dnnl::engine& engine = L.engine();
  // The max pool of `rows` output rows over a convolution output `in`.
  const auto pool_pd = [&](const memory::desc& in, int64_t rows_out, int64_t pad_top,
                           int64_t pad_bottom) {
    memory::dims out = in.dims();
    out[2] = rows_out;
    out[3] = g.tensor(max_pool->outputs[0]).shape[2];
    const dnnl::pooling_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, in,
        memory::desc(out, memory::data_type::f32, memory::format_tag::any),
        {pa.stride_h, pa.stride_w}, {pa.filter_h, pa.filter_w}, {pad_top, pa.pad.left},
        {pad_bottom, pa.pad.right});
    return dnnl::pooling_forward::primitive_desc(desc, pool_attr, engine);
  };
  auto p = std::make_shared<BandPrimitives>();
  p->src_md = whole.src_desc();
  p->bands = plan_bands(geo, rows);
  try {
    p->dst_md = max_pool
                    ? pool_pd(whole.dst_desc(), geo.pool_oh, pa.pad.top, pa.pad.bottom).dst_desc()
                    : whole.dst_desc();
    for (const ConvBand& b : p->bands) {
      p->convs.push_back(band_pd(b));
      if (max_pool)
        p->pools.push_back(pool_pd(p->convs.back().dst_desc(), b.out_end - b.out_begin,
                                   b.pool_pad_top, b.pool_pad_bottom));
      const memory::desc& out = max_pool ? p->pools.back().dst_desc() : p->convs.back().dst_desc();
      p->copies_in.emplace_back(engine, rows_of(p->src_md, b.in_begin, b.in_end), engine,
                                p->convs.back().src_desc(), user_scratchpad_attr());
      p->copies_out.emplace_back(engine, out, engine, rows_of(p->dst_md, b.out_begin, b.out_end),
                                 user_scratchpad_attr());
      // The copies get no scratchpad (oneDNN's blocked-to-blocked ones need none).
      if (p->copies_in.back().scratchpad_desc().get_size() > 0 ||
          p->copies_out.back().scratchpad_desc().get_size() > 0)
        return false;
    }
  } catch (const dnnl::error&) {
    return false;  // a band shape without an implementation: the whole image, then
  }

  // Bands usually share one packed layout of the weights. Packing may reuse
  // the weights' own bytes (pack_float_constant), so the last layout packed
  // is the only one allowed to.
  std::vector<memory::desc> layouts;
  for (const auto& pd : p->convs)
    if (std::find(layouts.begin(), layouts.end(), pd.weights_desc()) == layouts.end())
      layouts.push_back(pd.weights_desc());
  std::vector<dnnl::memory> packed;
  for (size_t i = 0; i < layouts.size(); ++i)
    packed.push_back(pack_float_constant(L, n.inputs[1], user_w, layouts[i],
                                         /*may_reuse=*/i + 1 == layouts.size()));
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const memory::desc bias_md({whole.dst_desc().dims()[1]}, memory::data_type::f32,
                               memory::format_tag::x);
    p->bias = pack_bias(L, L.graph().tensor(n.inputs[2]), bias_md);
  }

  for (size_t i = 0; i < p->bands.size(); ++i) {
    const auto& conv = p->convs[i];
    const memory::desc& out = max_pool ? p->pools[i].dst_desc() : conv.dst_desc();
    const LoadPhase phase("jit");
    std::vector<dnnl::primitive> prims = {dnnl::reorder(p->copies_in[i]),
                                          dnnl::convolution_forward(conv)};
    if (max_pool) prims.push_back(dnnl::pooling_forward(p->pools[i]));
    prims.push_back(dnnl::reorder(p->copies_out[i]));
    p->prims.push_back(std::move(prims));
    const size_t layout = static_cast<size_t>(
        std::find(layouts.begin(), layouts.end(), conv.weights_desc()) - layouts.begin());
    p->weights.push_back(packed[layout]);
    p->src_bytes = std::max(p->src_bytes, round_up(conv.src_desc().get_size(), 64));
    p->conv_bytes = std::max(p->conv_bytes, round_up(conv.dst_desc().get_size(), 64));
    p->scratch_bytes = std::max(p->scratch_bytes, round_up(conv.scratchpad_desc().get_size(), 64));
    if (!max_pool) continue;
    p->pool_bytes = std::max(p->pool_bytes, round_up(out.get_size(), 64));
    p->pool_scratch_bytes =
        std::max(p->pool_scratch_bytes, round_up(p->pools[i].scratchpad_desc().get_size(), 64));
  }
  const bool pooled = max_pool != nullptr;
  p->convs = {};
  p->pools = {};
  p->copies_in = {};
  p->copies_out = {};

  const int dst = make_dst(p->dst_md);
  const int band_src = L.new_buffer(p->src_bytes);
  const int band_conv = L.new_buffer(p->conv_bytes);
  const int band_pool = max_pool ? L.new_buffer(p->pool_bytes + p->pool_scratch_bytes) : -1;
  // oneDNN's Winograd writes a small part of the scratchpad it books.
  const bool winograd = std::string(whole.impl_info_str()).find("wino") != std::string::npos;
  const int scratch =
      winograd ? L.new_sparse_buffer(p->scratch_bytes) : L.new_buffer(p->scratch_bytes);
  Step& s = L.add_step(impl_name(whole) + (max_pool ? " + max pool" : "") + " in " +
                       std::to_string(p->bands.size()) + " bands");
  s.uses = {src, dst, band_src, band_conv, scratch};
  if (band_pool >= 0) s.uses.push_back(band_pool);
  s.make_fn = [p, pooled, src, dst, band_src, band_conv, band_pool, scratch,
               engine](const BufferPtrs& ptrs) -> std::function<void()> {
    auto run = std::make_shared<BandRun>();
    run->stream = dnnl::stream(engine);
    run->memories.reserve(p->bands.size() * 8);
    const auto at = [&](int buffer) { return ptrs[static_cast<size_t>(buffer)]; };
    const auto mem = [&](const memory::desc& md, std::byte* ptr) {
      run->memories.emplace_back(md, engine, ptr);
      return run->memories.back().get();
    };
    for (size_t i = 0; i < p->bands.size(); ++i) {
      const ConvBand& b = p->bands[i];
      const dnnl::primitive& conv = p->prims[i][1];
      dnnl_memory_t in_rows = mem(rows_of(p->src_md, b.in_begin, b.in_end), at(src));
      dnnl_memory_t band_in = mem(md_of(conv, dnnl_query_src_md), at(band_src));
      dnnl_memory_t band_out = mem(md_of(conv, dnnl_query_dst_md), at(band_conv));
      std::vector<dnnl_exec_arg_t> conv_args = {
          {DNNL_ARG_SRC, band_in},
          {DNNL_ARG_DST, band_out},
          {DNNL_ARG_WEIGHTS, p->weights[i].get()},
          {DNNL_ARG_SCRATCHPAD, mem(md_of(conv, dnnl_query_scratchpad_md), at(scratch))}};
      if (p->bias) conv_args.push_back({DNNL_ARG_BIAS, p->bias.get()});
      auto& calls = run->calls;
      calls.push_back({p->prims[i][0].get(), {{DNNL_ARG_FROM, in_rows}, {DNNL_ARG_TO, band_in}}});
      calls.push_back({p->prims[i][1].get(), std::move(conv_args)});
      dnnl_memory_t result = band_out;
      if (pooled) {
        const dnnl::primitive& pool = p->prims[i][2];
        std::byte* base = at(band_pool);
        result = mem(md_of(pool, dnnl_query_dst_md), base);
        calls.push_back({p->prims[i][2].get(),
                         {{DNNL_ARG_SRC, band_out},
                          {DNNL_ARG_DST, result},
                          {DNNL_ARG_SCRATCHPAD,
                           mem(md_of(pool, dnnl_query_scratchpad_md), base + p->pool_bytes)}}});
      }
      dnnl_memory_t out_rows = mem(rows_of(p->dst_md, b.out_begin, b.out_end), at(dst));
      calls.push_back(
          {p->prims[i].back().get(), {{DNNL_ARG_FROM, result}, {DNNL_ARG_TO, out_rows}}});
    }
    return [run, p] { (*run)(); };
  };
  return true;
}

}  // namespace edgebench::cpu
