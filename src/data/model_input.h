// Image -> model input tensor, per model family: the one preprocessing table.
//   inception   TF-slim eval (the TFLite MobileNets/Inception): central crop 87.5 %,
//               bilinear resize (TF1 legacy mapping), x/127.5 - 1 in [-1, 1]
//   torchvision resize shorter side to H/0.875 (256 for 224), centre crop, (x/255 - mean)/std
//   caffe       same geometry as torchvision, BGR order, x - per-channel mean (0..255 scale)
// Quantized inputs receive round(real / scale) + zero_point, saturated: the
// input's own quantization, read from the model file.
#pragma once

#include <cstddef>
#include <string>

#include "data/image.h"
#include "ir/graph.h"

namespace edgebench {

enum class PreprocessFamily { kInception, kTorchvision, kCaffe };

PreprocessFamily parse_preprocess_family(const std::string& name);  // throws kUsage
std::string preprocess_family_name(PreprocessFamily f);
// From the model's metadata ("preprocess"), else by format: tflite -> inception, onnx ->
// torchvision.
PreprocessFamily default_preprocess_family(const Graph& g);

// Where height, width and channels sit in an image input tensor (NHWC or NCHW).
struct InputGeometry {
  int height = 0, width = 0;
  bool nchw = false;
};
// Throws Error(kInput) when the tensor is not a 1x3xHxW / 1xHxWx3 image input.
InputGeometry image_input_geometry(const Tensor& input, const std::string& model_name);

// Writes input.bytes() bytes into `out`.
void preprocess_image(const Image& img, const Tensor& input, const InputGeometry& geo,
                      PreprocessFamily family, std::byte* out);
// Decodes (as the family's framework does, see decode_settings) and preprocesses
// a file; the same tensor as decode + preprocess_image, but the inception family
// streams the JPEG through crop + resize, so memory does not grow with the photo.
void preprocess_image_file(const std::string& path, const Tensor& input, const InputGeometry& geo,
                           PreprocessFamily family, std::byte* out);

// How a family's framework decodes JPEGs: IFAST DCT and full size for
// TensorFlow (inception); accurate DCT, with DCT scaling for large photos, otherwise.
struct DecodeSettings {
  int target_w = 0, target_h = 0;  // 0: full size
  bool fast_dct = false;
};
DecodeSettings decode_settings(const InputGeometry& geo, PreprocessFamily family);

}  // namespace edgebench
