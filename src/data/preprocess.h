// Image preprocessing as the reference frameworks do it, so a model sees the
// same input tensor here as in its own pipeline:
//  - TensorFlow / TF-slim "inception" eval (the TFLite models): central_crop,
//    then resize_bilinear_float (tf.compat.v1.image.resize_bilinear).
//  - torchvision eval (the ONNX zoo): resize_shorter_side_bilinear, then
//    center_crop_to.
#pragma once

#include "data/image.h"

namespace edgebench {

// Copies the rectangle [top, top+height) x [left, left+width); it must lie inside src.
Image crop(const Image& src, int top, int left, int height, int width);

// tf.image.central_crop: start = int((size - size*fraction) / 2) in double,
// kept size = size - 2*start. fraction must be in (0, 1].
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
