// Quantized convolutions and fully-connected layers on our own int8 GEMM
// (int8_gemm.h), where the CPU has AVX512-VNNI. Same algebra as
// lower_conv_int8.cpp (the plan's correction table and window sums); the
// products and the requantization happen in one pass, so no int32 tensor is
// written.
//
// A pointwise convolution (1x1, stride 1, unpadded) with in_c a multiple of 4
// reads its NHWC input as the GEMM's A directly. Every other convolution
// copies bands of rows into an im2col buffer per thread first (K in the
// weights' (fy, fx, ic) order, taps outside the image as raw 0 like oneDNN's
// zero padding, K padded to a multiple of 4).
//
// int8 activations go through vpdpbusd as x + 128: the extra 128 * sum_k w per
// channel (over all taps: padding counts too, as 0 + 128) is folded into the
// correction table here.
#include <omp.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "backends/cpu/conv_int8_plan.h"
#include "backends/cpu/int8_gemm.h"
#include "backends/cpu/lowerers.h"

namespace edgebench::cpu {
namespace {

constexpr int kTileRows = 6;
constexpr int64_t kIm2colBandBytes = 64 << 10;

// One parallel work item: rows [r0, r1) of the output, channels [c0, c1).
struct Part {
  int64_t r0 = 0, r1 = 0;
  int c0 = 0, c1 = 0;
};

struct GemmConv {
  int8::Geometry geo;
  bool im2col = false;
  int64_t k_bytes = 0;      // K padded to a multiple of 4
  std::vector<Part> parts;  // a multiple of `workers` where the work allows
  int64_t max_rows = 0;     // the most rows of any part (im2col buffer size)
  int workers = 1;
  std::vector<int8_t> packed;
  std::shared_ptr<Int8ConvData> data;
  std::vector<int64_t> fused;  // the requantization's fast form, when it applies
  int8::GemmFn fn = nullptr;
};

// Copies n <= 16 bytes as one 16-byte move when the source has 16 readable
// bytes (the destination always has: kColsSlack): a first layer's filter rows
// are 9 bytes, and a memcpy call per row would cost more than the copy.
constexpr size_t kColsSlack = 16;
inline void copy_small(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t* src_end) {
  if (src + 16 <= src_end)
    std::memcpy(dst, src, 16);
  else
    std::memcpy(dst, src, n);
}

// Rows [r0, r1) of the im2col matrix: for each output pixel, its window's
// input bytes in (fy, fx, ic) order. Bytes written past a row's end are
// overwritten by the next row or land in the padding. With `sums`, also each
// row's byte sum times d: the window sums of the zero-point correction (taps
// outside the image are 0 here, as there). Goes one output row at a time: the
// filter rows' source pointers are found once per output row, and pixels whose
// window lies inside the image horizontally copy whole filter rows (adjacent
// bytes in NHWC) without per-tap checks.
constexpr int kMaxFilterRows = 16;

// The sum of n bytes, as uint8 or (signed_x) int8: SSE2's sums of absolute
// differences from zero, 16 and 8 bytes at a time (x86-64 always has them), on
// signed bytes flipped to x + 128 and corrected at the end.
inline int32_t byte_sum(const uint8_t* p, int64_t n, bool signed_x) {
  int64_t total = 0, k = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const __m128i flip = signed_x ? _mm_set1_epi8(static_cast<char>(0x80)) : zero;
  __m128i acc = zero;
  for (; k + 16 <= n; k += 16)
    acc = _mm_add_epi64(
        acc,
        _mm_sad_epu8(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k)), flip),
                     zero));
  if (k + 8 <= n) {  // loadl zeroes the upper half: flip the lower one only
    const __m128i low = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + k));
    acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_xor_si128(low, _mm_move_epi64(flip)), zero));
    k += 8;
  }
  total = _mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc));
  if (signed_x) total -= 128 * k;
#endif
  for (; k < n; ++k) total += signed_x ? static_cast<int8_t>(p[k]) : p[k];
  return static_cast<int32_t>(total);
}
void im2col(const GemmConv& c, const uint8_t* x, uint8_t* out, int64_t r0, int64_t r1,
            int32_t* sums, int32_t d, bool signed_x) {
  const int8::Geometry& g = c.geo;
  const int64_t row_bytes = static_cast<int64_t>(g.filter_w) * g.in_c;
  const int64_t window_bytes = row_bytes * g.filter_h;
  const uint8_t* x_end = x + static_cast<int64_t>(g.batch) * g.in_h * g.in_w * g.in_c;
  const bool small = row_bytes <= 16;
  // Output columns whose filter row lies inside the image: [in_lo, in_hi).
  int in_lo = g.out_w, in_hi = g.out_w;
  if (g.dilation_w == 1 && g.filter_h <= kMaxFilterRows) {
    in_lo = (g.pad_left + g.stride_w - 1) / g.stride_w;
    const int last = g.in_w - g.filter_w + g.pad_left;  // ox * stride_w must not exceed it
    in_hi = last < 0 ? 0 : std::min(g.out_w, last / g.stride_w + 1);
    if (in_hi < in_lo) in_hi = in_lo;
  }
  const uint8_t* srcs[kMaxFilterRows];
  for (int64_t p = r0; p < r1;) {
    const int64_t out_row = p / g.out_w;  // batch * out_h + oy
    const int b = static_cast<int>(out_row / g.out_h), oy = static_cast<int>(out_row % g.out_h);
    const int ox_begin = static_cast<int>(p % g.out_w);
    const int ox_end = static_cast<int>(std::min<int64_t>(g.out_w, ox_begin + (r1 - p)));
    const uint8_t* image_row = x + static_cast<int64_t>(b) * g.in_h * g.in_w * g.in_c;
    for (int fy = 0; fy < g.filter_h && fy < kMaxFilterRows; ++fy) {
      const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
      srcs[fy] =
          iy < 0 || iy >= g.in_h ? nullptr : image_row + static_cast<int64_t>(iy) * g.in_w * g.in_c;
    }
    for (int ox = ox_begin; ox < ox_end; ++ox, ++p) {
      uint8_t* const row = out + (p - r0) * c.k_bytes;
      const int ix0 = ox * g.stride_w - g.pad_left;
      if (ox >= in_lo && ox < in_hi) {
        const int64_t offset = static_cast<int64_t>(ix0) * g.in_c;
        uint8_t* dst = row;
        for (int fy = 0; fy < g.filter_h; ++fy, dst += row_bytes) {
          if (!srcs[fy])
            std::memset(dst, 0, static_cast<size_t>(row_bytes));
          else if (small)
            copy_small(dst, srcs[fy] + offset, static_cast<size_t>(row_bytes), x_end);
          else
            std::memcpy(dst, srcs[fy] + offset, static_cast<size_t>(row_bytes));
        }
      } else {
        uint8_t* dst = row;
        for (int fy = 0; fy < g.filter_h; ++fy, dst += row_bytes) {
          const int iy = oy * g.stride_h - g.pad_top + fy * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) {
            std::memset(dst, 0, static_cast<size_t>(row_bytes));
            continue;
          }
          const uint8_t* src = image_row + static_cast<int64_t>(iy) * g.in_w * g.in_c;
          for (int fx = 0; fx < g.filter_w; ++fx) {
            const int ix = ix0 + fx * g.dilation_w;
            uint8_t* dd = dst + static_cast<int64_t>(fx) * g.in_c;
            if (ix < 0 || ix >= g.in_w)
              std::memset(dd, 0, static_cast<size_t>(g.in_c));
            else
              std::memcpy(dd, src + static_cast<int64_t>(ix) * g.in_c, static_cast<size_t>(g.in_c));
          }
        }
      }
      for (int64_t k = window_bytes; k < c.k_bytes; ++k) row[k] = 0;
      if (sums)
        sums[p - r0] = static_cast<int32_t>(
            static_cast<uint32_t>(byte_sum(row, c.k_bytes, signed_x)) * static_cast<uint32_t>(d));
    }
  }
}

// The work items, in order: thread t of `workers` gets the t-th contiguous
// run of parts.size() / workers (static schedule). Rows are split in whole
// tiles at i * tiles / parts, so the bands differ by at most one tile (a
// band size rounded to tiles left up to three times the rows to one thread).
// A small image with several channel blocks is split by channels instead when
// that leaves the busiest thread less to do (7x7 layers have 9 row tiles but
// up to 20 channel blocks). im2col bands also stay within kIm2colBandBytes.
std::vector<Part> split_work(int64_t pixels, int n, int workers, bool im2col, int64_t k_bytes) {
  const int64_t tiles = (pixels + kTileRows - 1) / kTileRows;
  const int blocks = (n + int8::kGemmBlock - 1) / int8::kGemmBlock;
  std::vector<Part> parts;
  if (workers > 1 && !im2col && blocks >= 2) {
    // Cost in (row tile, 16-channel vector) units: a last block may be narrow.
    const auto vectors = [n](int b0, int b1) {
      return (std::min(n, b1 * int8::kGemmBlock) - b0 * int8::kGemmBlock + 15) / 16;
    };
    const int w = std::min(workers, blocks);
    int64_t col_cost = 0;
    for (int i = 0; i < w; ++i)
      col_cost = std::max<int64_t>(col_cost, tiles * vectors(i * blocks / w, (i + 1) * blocks / w));
    const int64_t row_cost = (tiles + workers - 1) / workers * vectors(0, blocks);
    if (col_cost < row_cost) {
      for (int i = 0; i < w; ++i) {
        const int b0 = i * blocks / w, b1 = (i + 1) * blocks / w;
        parts.push_back({0, pixels, b0 * int8::kGemmBlock, i + 1 == w ? n : b1 * int8::kGemmBlock});
      }
      return parts;
    }
  }
  int64_t count = workers;
  if (im2col) {
    const int64_t per_band = std::max<int64_t>(1, kIm2colBandBytes / (kTileRows * k_bytes));
    count = workers * std::max<int64_t>(1, (tiles + workers * per_band - 1) / (workers * per_band));
  }
  count = std::max<int64_t>(1, std::min(count, tiles));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r0 = i * tiles / count * kTileRows;
    const int64_t r1 = std::min(pixels, (i + 1) * tiles / count * kTileRows);
    if (r1 > r0) parts.push_back({r0, r1, 0, n});
  }
  return parts;
}

}  // namespace

// EDGEBENCH_CPU_INT8_GEMM=0 keeps oneDNN's int8 convolution (for comparisons).
bool int8_gemm_available() {
  static const bool enabled = [] {
    const char* env = std::getenv("EDGEBENCH_CPU_INT8_GEMM");
    return !(env && std::string(env) == "0");
  }();
  return enabled && int8::gemm_u8s8() != nullptr;
}

void emit_int8_conv_gemm(Lowering& L, const Node& n, const Int8ConvPlan& plan) {
  const int8::Geometry& geo = plan.geo;
  const int oc = geo.out_c;
  const int64_t pixels = plan.pixels;
  const int64_t k = static_cast<int64_t>(geo.filter_h) * geo.filter_w * geo.in_c;

  auto conv = std::make_shared<GemmConv>();
  conv->geo = geo;
  conv->fn = int8::gemm_u8s8();
  conv->im2col = !is_pointwise(plan) || geo.in_c % 4 != 0;
  conv->k_bytes = (k + 3) / 4 * 4;
  conv->packed = int8::pack_gemm_weights(plan.wq.data(), oc, static_cast<int>(k));

  // The plan's table, plus the int8 flip's constant, with its own row pointers.
  auto data = std::make_shared<Int8ConvData>(*plan.data);
  if (!plan.u8) {
    std::vector<int64_t> wsum(static_cast<size_t>(oc), 0);
    for (int c = 0; c < oc; ++c) {
      const int8_t* w = plan.wq.data() + static_cast<size_t>(c * k);
      int32_t s = 0;  // a local sum (a store to wsum[c] might alias the int8 weights)
      for (int64_t i = 0; i < k; ++i) s += w[i];
      wsum[static_cast<size_t>(c)] = s;
    }
    const size_t row =
        (static_cast<size_t>(oc) + int8::kChannelPad - 1) / int8::kChannelPad * int8::kChannelPad;
    for (size_t r = 0; r < data->table.size() / row; ++r)
      for (int c = 0; c < oc; ++c)
        data->table[r * row + c] =
            static_cast<int32_t>(data->table[r * row + c] - 128 * wsum[static_cast<size_t>(c)]);
  }
  for (size_t p = 0; p < data->row_of_pixel.size(); ++p)
    data->row_of_pixel[p] =
        data->table.data() + (plan.data->row_of_pixel[p] - plan.data->table.data());
  conv->data = data;
  conv->fused = data->multipliers.fused(data->output_zero_point);

  const int threads = L.threads();
  const bool parallel = threads > 1 && pixels * oc * k >= int8::kMinParallelWork;
  conv->workers = parallel ? threads : 1;
  conv->parts = split_work(pixels, oc, conv->workers, conv->im2col, conv->k_bytes);
  for (const Part& p : conv->parts) conv->max_rows = std::max(conv->max_rows, p.r1 - p.r0);

  const int src = L.input_plain(n.inputs[0]);
  // Window sums: of the whole image by their own kernel for a direct GEMM;
  // per band from the im2col rows otherwise (after each thread's im2col part).
  const int32_t d = plan.d;
  const size_t sums_bytes = static_cast<size_t>(conv->im2col ? conv->max_rows : pixels) * 4;
  const int sums =
      d != 0 ? L.new_buffer(sums_bytes * static_cast<size_t>(conv->im2col ? conv->workers : 1))
             : -1;
  // Each thread's part: its im2col band, then its window sums.
  const size_t cols_bytes = static_cast<size_t>(conv->max_rows * conv->k_bytes) + kColsSlack;
  const int cols =
      conv->im2col ? L.new_buffer(cols_bytes * static_cast<size_t>(conv->workers)) : -1;
  const int out = L.new_plain_output(n.outputs[0]);
  const std::string type = plan.u8 ? "u8_" : "i8_";

  if (sums >= 0 && !conv->im2col) add_window_sums_step(L, plan, src, sums);

  Step& s = L.add_step("cpu:gemm_" + type + "avx512vnni" + (conv->im2col ? " (im2col)" : ""));
  s.uses = {src, out};
  if (sums >= 0) s.uses.push_back(sums);
  if (cols >= 0) s.uses.push_back(cols);
  const bool u8 = plan.u8;
  s.make_fn = [conv, u8, d, pixels, oc, src, sums, cols, out, cols_bytes,
               sums_bytes](const BufferPtrs& ptrs) -> std::function<void()> {
    int8::GemmArgs a;
    a.a = reinterpret_cast<const uint8_t*>(ptrs[static_cast<size_t>(src)]);
    a.lda = conv->geo.in_c;
    a.m = pixels;
    a.k_groups = static_cast<int>(conv->k_bytes / 4);
    a.b = conv->packed.data();
    a.n = oc;
    a.signed_a = !u8;
    a.signed_c = !u8;
    a.channel_add = conv->data->row_of_pixel.data();
    a.pixel_add =
        sums >= 0 ? reinterpret_cast<const int32_t*>(ptrs[static_cast<size_t>(sums)]) : nullptr;
    a.q = conv->data->requant();
    a.fused = conv->fused.empty() ? nullptr : conv->fused.data();
    a.c = reinterpret_cast<uint8_t*>(ptrs[static_cast<size_t>(out)]);
    uint8_t* col_base =
        cols >= 0 ? reinterpret_cast<uint8_t*>(ptrs[static_cast<size_t>(cols)]) : nullptr;
    std::byte* sum_base = sums >= 0 ? ptrs[static_cast<size_t>(sums)] : nullptr;
    return [conv, a, d, col_base, cols_bytes, sum_base, sums_bytes] {
      const auto count = static_cast<int64_t>(conv->parts.size());
#pragma omp parallel for schedule(static) num_threads(conv->workers) if (conv->workers > 1)
      for (int64_t i = 0; i < count; ++i) {
        const Part& part = conv->parts[static_cast<size_t>(i)];
        const int64_t r0 = part.r0, r1 = part.r1;
        if (!conv->im2col) {
          int8::GemmArgs cols = a;
          cols.col_begin = part.c0;
          cols.col_end = part.c1;
          conv->fn(cols, r0, r1);
          continue;
        }
        const auto t = static_cast<size_t>(omp_get_thread_num());
        uint8_t* buf = col_base + t * cols_bytes;
        int32_t* band_sums =
            sum_base ? reinterpret_cast<int32_t*>(sum_base + t * sums_bytes) : nullptr;
        im2col(*conv, a.a, buf, r0, r1, band_sums, d, a.signed_a);
        int8::GemmArgs band = a;
        band.a = buf;
        band.lda = conv->k_bytes;
        band.a_first_row = r0;
        band.pixel_add = band_sums;
        conv->fn(band, r0, r1);
      }
    };
  };
}

}  // namespace edgebench::cpu
