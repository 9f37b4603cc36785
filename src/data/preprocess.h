// Image preprocessing as the reference frameworks do it, so a model sees the
// same input tensor here as in its own pipeline:
//  - TensorFlow / TF-slim "inception" eval (the TFLite models): central_crop,
//    then resize_bilinear_float (tf.compat.v1.image.resize_bilinear).
//  - torchvision eval (the ONNX zoo): resize_shorter_side_bilinear, then
//    center_crop_to.
#pragma once

#include <functional>
#include <vector>

#include "data/image.h"

namespace edgebench {

// Copies the rectangle [top, top+height) x [left, left+width); it must lie inside src.
Image crop(const Image& src, int top, int left, int height, int width);

// A rectangle of a source image: rows [top, top+height), columns [left, left+width).
struct Window {
  int top = 0, left = 0, height = 0, width = 0;
};

// tf.image.central_crop: start = int((size - size*fraction) / 2) in double,
// kept size = size - 2*start. fraction must be in (0, 1].
Window central_crop_window(int height, int width, double fraction);
Image central_crop(const Image& src, double fraction);

// tf.image.resize_bilinear with align_corners=false, in TF's float arithmetic
// (scale = in/out; lerp top and bottom rows along x, then along y).
// half_pixel_centers=false is TF1's legacy mapping (in = out*scale), which
// TF-slim's preprocessing uses; true maps pixel centres (TF2's tf.image.resize).
// Writes out_h*out_w*3 floats in 0..255, HWC, RGB.
// value_scale multiplies each source value (as a float) before interpolation:
// 1/255 reproduces resizing the [0, 1] image of tf.image.convert_image_dtype.
void resize_bilinear_float(const Image& src, int out_h, int out_w, float* out_hwc,
                           bool half_pixel_centers, float value_scale = 1.0f);

// resize_bilinear_float over a window of a source that arrives row by row (a
// streaming JPEG decode): only the two source rows the current output row
// needs are kept, so memory does not grow with the source image. The window is
// chosen from the source size when it is known (begin()); finish() throws if
// the source ended before every output row was written.
class BilinearResizeSink : public RowSink {
 public:
  using WindowFn = std::function<Window(int height, int width)>;
  BilinearResizeSink(WindowFn window, int out_h, int out_w, float* out_hwc, bool half_pixel_centers,
                     float value_scale = 1.0f);
  void begin(int width, int height) override;
  void row(int y, const uint8_t* rgb) override;
  void finish() const;

 private:
  struct Interpolation {
    int lower, upper;
    float lerp;
  };
  static std::vector<Interpolation> weights(int in_size, int out_size, bool half_pixel_centers);
  void emit_row(int out_y);

  WindowFn window_fn_;
  int out_h_, out_w_;
  float* out_;
  bool half_pixel_;
  float value_scale_;
  Window window_;
  std::vector<Interpolation> ys_, xs_;
  std::vector<uint8_t> rows_[2];  // window row r lives in rows_[r % 2]
  int last_row_ = -1;             // last window row received
  int next_out_ = 0;              // next output row to write
};

struct ImageSize {
  int height = 0;
  int width = 0;
};

// torchvision Resize(int) output size: shorter side = shorter_side, longer
// side = int(shorter_side * long / short).
ImageSize shorter_side_size(int height, int width, int shorter_side);

// torchvision Resize(shorter_side, BILINEAR, antialias=False) on a uint8
// tensor: half-pixel bilinear (TF's arithmetic), rounded half-to-even to uint8.
Image resize_shorter_side_bilinear(const Image& src, int shorter_side);

// torchvision CenterCrop: top = int(round((h - crop_h) / 2)), Python's
// round-half-to-even; likewise left. The crop must fit inside src.
Image center_crop_to(const Image& src, int crop_h, int crop_w);

}  // namespace edgebench
