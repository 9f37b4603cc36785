// Reference (scalar) preprocessing; see preprocess.h for which framework each
// function reproduces and why.
#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace edgebench {

namespace {

void require_image(const Image& src, const char* what) {
  if (src.width <= 0 || src.height <= 0 ||
      src.rgb.size() != static_cast<size_t>(src.width) * src.height * 3) {
    fail(ErrorCode::kInput, what, "empty or inconsistent image");
  }
}

// TF's compute_lerp, operation for operation, so results match bit for bit
// (on FMA targets only when the compiler does not fuse them: -ffp-contract=off).
inline float lerp2d(float top_left, float top_right, float bottom_left, float bottom_right,
                    float x_lerp, float y_lerp) {
  const float top = top_left + (top_right - top_left) * x_lerp;
  const float bottom = bottom_left + (bottom_right - bottom_left) * x_lerp;
  return top + (bottom - top) * y_lerp;
}

}  // namespace

Image crop(const Image& src, int top, int left, int height, int width) {
  require_image(src, "crop");
  if (top < 0 || left < 0 || height <= 0 || width <= 0 || height > src.height - top ||
      width > src.width - left) {
    fail(ErrorCode::kInput, "crop",
         "rectangle " + std::to_string(width) + "x" + std::to_string(height) + "+" +
             std::to_string(left) + "+" + std::to_string(top) + " outside " +
             std::to_string(src.width) + "x" + std::to_string(src.height) + " image");
  }
  Image out;
  out.width = width;
  out.height = height;
  out.rgb.resize(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    const auto begin = src.rgb.begin() + static_cast<std::ptrdiff_t>(src.index(top + y, left));
    std::copy(begin, begin + static_cast<std::ptrdiff_t>(width) * 3,
              out.rgb.begin() + static_cast<std::ptrdiff_t>(out.index(y, 0)));
  }
  return out;
}

Window central_crop_window(int height, int width, double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {
    fail(ErrorCode::kUsage, "central_crop",
         "fraction must be in (0, 1], got " + std::to_string(fraction));
  }
  // volatile keeps size*fraction rounded on its own (no fused multiply-add), as in Python.
  auto start = [fraction](int size) {
    const volatile double kept = static_cast<double>(size) * fraction;
    return static_cast<int>((static_cast<double>(size) - kept) / 2.0);
  };
  const int top = start(height), left = start(width);
  return {top, left, height - 2 * top, width - 2 * left};
}

Image central_crop(const Image& src, double fraction) {
  require_image(src, "central_crop");
  const Window w = central_crop_window(src.height, src.width, fraction);
  return crop(src, w.top, w.left, w.height, w.width);
}

BilinearResizeSink::BilinearResizeSink(WindowFn window, int out_h, int out_w, float* out_hwc,
                                       bool half_pixel_centers, float value_scale)
    : window_fn_(std::move(window)),
      out_h_(out_h),
      out_w_(out_w),
      out_(out_hwc),
      half_pixel_(half_pixel_centers),
      value_scale_(value_scale) {
  if (out_h <= 0 || out_w <= 0 || out_hwc == nullptr) {
    fail(ErrorCode::kUsage, "resize_bilinear", "output size must be positive");
  }
}

// TF's compute_interpolation_weights with CalculateResizeScale (align_corners=false).
std::vector<BilinearResizeSink::Interpolation> BilinearResizeSink::weights(
    int in_size, int out_size, bool half_pixel_centers) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  std::vector<Interpolation> w(static_cast<size_t>(out_size));
  for (int i = 0; i < out_size; ++i) {
    const float in = half_pixel_centers ? (static_cast<float>(i) + 0.5f) * scale - 0.5f
                                        : static_cast<float>(i) * scale;
    const float in_floor = std::floor(in);
    // TF clamps only lower at 0 and upper at in_size-1; the extra clamp of
    // lower is a no-op for valid sizes and keeps reads in bounds regardless.
    const int lower = std::clamp(static_cast<int>(in_floor), 0, in_size - 1);
    const int upper = std::min(static_cast<int>(std::ceil(in)), in_size - 1);
    w[static_cast<size_t>(i)] = {lower, std::max(upper, 0), in - in_floor};
  }
  return w;
}

void BilinearResizeSink::begin(int width, int height) {
  window_ = window_fn_(height, width);
  if (window_.top < 0 || window_.left < 0 || window_.height <= 0 || window_.width <= 0 ||
      window_.height > height - window_.top || window_.width > width - window_.left) {
    fail(ErrorCode::kInput, "resize_bilinear", "window outside the image");
  }
  ys_ = weights(window_.height, out_h_, half_pixel_);
  xs_ = weights(window_.width, out_w_, half_pixel_);
  for (auto& r : rows_) r.assign(static_cast<size_t>(window_.width) * 3, 0);
  last_row_ = -1;
  next_out_ = 0;
}

void BilinearResizeSink::row(int y, const uint8_t* rgb) {
  const int r = y - window_.top;
  if (r < 0 || r >= window_.height) return;
  if (r != last_row_ + 1) fail(ErrorCode::kInternal, "resize_bilinear", "rows out of order");
  std::copy_n(rgb + static_cast<size_t>(window_.left) * 3, rows_[r % 2].size(),
              rows_[r % 2].begin());
  last_row_ = r;
  // Output rows whose upper source row is r; their lower row is r or r - 1
  // (upper - lower <= 1), both held.
  while (next_out_ < out_h_ && ys_[static_cast<size_t>(next_out_)].upper <= r)
    emit_row(next_out_++);
}

void BilinearResizeSink::emit_row(int out_y) {
  const Interpolation& iy = ys_[static_cast<size_t>(out_y)];
  if (iy.lower < last_row_ - 1) fail(ErrorCode::kInternal, "resize_bilinear", "row evicted early");
  const uint8_t* top_row = rows_[iy.lower % 2].data();
  const uint8_t* bottom_row = rows_[iy.upper % 2].data();
  const float vs = value_scale_;
  float* out = out_ + static_cast<size_t>(out_y) * out_w_ * 3;
  for (const Interpolation& ix : xs_) {
    const size_t l = static_cast<size_t>(ix.lower) * 3, u = static_cast<size_t>(ix.upper) * 3;
    for (int c = 0; c < 3; ++c) {
      *out++ = lerp2d(top_row[l + c] * vs, top_row[u + c] * vs, bottom_row[l + c] * vs,
                      bottom_row[u + c] * vs, ix.lerp, iy.lerp);
    }
  }
}

void BilinearResizeSink::finish() const {
  if (next_out_ != out_h_) fail(ErrorCode::kInput, "resize_bilinear", "image ended early");
}

void resize_bilinear_float(const Image& src, int out_h, int out_w, float* out_hwc,
                           bool half_pixel_centers, float value_scale) {
  require_image(src, "resize_bilinear");
  BilinearResizeSink sink(
      [](int h, int w) {
        return Window{0, 0, h, w};
      },
      out_h, out_w, out_hwc, half_pixel_centers, value_scale);
  stream_image(src, sink);
  sink.finish();
}

ImageSize shorter_side_size(int height, int width, int shorter_side) {
  if (height <= 0 || width <= 0 || shorter_side <= 0) {
    fail(ErrorCode::kUsage, "resize_shorter_side", "sizes must be positive");
  }
  // Python: int(requested_short * long / short), a true (double) division.
  const bool portrait = width <= height;
  const int short_in = portrait ? width : height, long_in = portrait ? height : width;
  const double long_out = static_cast<double>(shorter_side) * long_in / short_in;
  if (shorter_side > kMaxImageSide || long_out >= kMaxImageSide + 1.0) {
    fail(ErrorCode::kUsage, "resize_shorter_side", "output larger than the image size limit");
  }
  const int long_side = static_cast<int>(long_out);
  return portrait ? ImageSize{long_side, shorter_side} : ImageSize{shorter_side, long_side};
}

Image resize_shorter_side_bilinear(const Image& src, int shorter_side) {
  require_image(src, "resize_shorter_side");
  const ImageSize size = shorter_side_size(src.height, src.width, shorter_side);
  std::vector<float> resized(static_cast<size_t>(size.height) * size.width * 3);
  resize_bilinear_float(src, size.height, size.width, resized.data(), /*half_pixel_centers=*/true);
  Image out;
  out.height = size.height;
  out.width = size.width;
  out.rgb.resize(resized.size());
  // torch.round is half-to-even, which nearbyint gives in the default rounding mode.
  std::transform(resized.begin(), resized.end(), out.rgb.begin(), [](float v) {
    return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0f, 255.0f));
  });
  return out;
}

Image center_crop_to(const Image& src, int crop_h, int crop_w) {
  require_image(src, "center_crop");
  if (crop_h <= 0 || crop_w <= 0 || crop_h > src.height || crop_w > src.width) {
    fail(ErrorCode::kInput, "center_crop",
         "crop " + std::to_string(crop_w) + "x" + std::to_string(crop_h) + " does not fit in " +
             std::to_string(src.width) + "x" + std::to_string(src.height) + " image");
  }
  const int top = static_cast<int>(std::nearbyint((src.height - crop_h) / 2.0));
  const int left = static_cast<int>(std::nearbyint((src.width - crop_w) / 2.0));
  return crop(src, top, left, crop_h, crop_w);
}

}  // namespace edgebench
