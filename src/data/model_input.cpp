#include "data/model_input.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "data/preprocess.h"
#include "util/error.h"

namespace edgebench {
namespace {

constexpr double kInceptionCrop = 0.875;

// TF-slim preprocess_for_eval, in its order: convert_image_dtype to [0, 1]
// (x * float(1/255)), central_crop, resize_bilinear, then (x - 0.5) * 2. The
// image arrives row by row (`feed`), so a large JPEG is never held whole.
std::vector<float> inception_input(const InputGeometry& geo,
                                   const std::function<void(RowSink&)>& feed) {
  std::vector<float> out(static_cast<size_t>(geo.height) * geo.width * 3);
  BilinearResizeSink resize([](int h, int w) { return central_crop_window(h, w, kInceptionCrop); },
                            geo.height, geo.width, out.data(), /*half_pixel_centers=*/false,
                            static_cast<float>(1.0 / 255.0));
  feed(resize);
  resize.finish();
  for (float& v : out) v = (v - 0.5f) * 2.0f;
  return out;
}

// torchvision and caffe share the geometry: shorter side to size/0.875, centre crop.
std::vector<float> torchvision_caffe_input(const Image& img, const InputGeometry& geo,
                                           PreprocessFamily f) {
  const int h = geo.height, w = geo.width;
  std::vector<float> out(static_cast<size_t>(h) * w * 3);
  int shorter = static_cast<int>(std::lround(std::min(h, w) / kInceptionCrop));
  Image resized = resize_shorter_side_bilinear(img, shorter);
  Image cropped = center_crop_to(resized, h, w);
  static const float kMean[3] = {0.485f, 0.456f, 0.406f}, kStd[3] = {0.229f, 0.224f, 0.225f};
  static const float kCaffeMeanBgr[3] = {103.939f, 116.779f, 123.68f};
  for (size_t p = 0; p < static_cast<size_t>(h) * w; ++p) {
    for (int c = 0; c < 3; ++c) {
      if (f == PreprocessFamily::kTorchvision) {
        out[p * 3 + c] = (cropped.rgb[p * 3 + c] / 255.0f - kMean[c]) / kStd[c];
      } else {  // caffe: channel c of the output is BGR order
        out[p * 3 + c] = static_cast<float>(cropped.rgb[p * 3 + (2 - c)]) - kCaffeMeanBgr[c];
      }
    }
  }
  return out;
}

template <typename Q>
Q quantize_value(float real, float scale, int64_t zp) {
  double q = std::round(static_cast<double>(real) / scale) + static_cast<double>(zp);
  q = std::clamp(q, static_cast<double>(std::numeric_limits<Q>::min()),
                 static_cast<double>(std::numeric_limits<Q>::max()));
  return static_cast<Q>(q);
}

template <typename T, typename Convert>
void store(const std::vector<float>& hwc, const InputGeometry& geo, T* out, Convert convert) {
  const size_t hw = static_cast<size_t>(geo.height) * geo.width;
  for (size_t p = 0; p < hw; ++p)
    for (size_t c = 0; c < 3; ++c) {
      size_t dst = geo.nchw ? c * hw + p : p * 3 + c;
      out[dst] = convert(hwc[p * 3 + c]);
    }
}

}  // namespace

PreprocessFamily parse_preprocess_family(const std::string& name) {
  if (name == "inception") return PreprocessFamily::kInception;
  if (name == "torchvision") return PreprocessFamily::kTorchvision;
  if (name == "caffe") return PreprocessFamily::kCaffe;
  fail(ErrorCode::kUsage, "--preprocess",
       "unknown preprocessing '" + name + "' (inception, torchvision or caffe)");
}

std::string preprocess_family_name(PreprocessFamily f) {
  switch (f) {
    case PreprocessFamily::kInception: return "inception";
    case PreprocessFamily::kTorchvision: return "torchvision";
    case PreprocessFamily::kCaffe: return "caffe";
  }
  return "?";
}

PreprocessFamily default_preprocess_family(const Graph& g) {
  auto it = g.metadata.find("preprocess");
  if (it != g.metadata.end()) return parse_preprocess_family(it->second);
  return g.format == "onnx" ? PreprocessFamily::kTorchvision : PreprocessFamily::kInception;
}

InputGeometry image_input_geometry(const Tensor& t, const std::string& model_name) {
  const Shape& s = t.shape;
  InputGeometry g;
  if (s.size() == 4 && s[0] == 1 && s[3] == 3) {
    g = {static_cast<int>(s[1]), static_cast<int>(s[2]), false};
  } else if (s.size() == 4 && s[0] == 1 && s[1] == 3) {
    g = {static_cast<int>(s[2]), static_cast<int>(s[3]), true};
  } else {
    fail(ErrorCode::kInput, model_name,
         "input '" + t.name + "' of shape " + shape_str(s) +
             " is not an image input (1xHxWx3 or 1x3xHxW)");
  }
  if (g.height < 8 || g.width < 8 || g.height > 8192 || g.width > 8192)
    fail(ErrorCode::kInput, model_name,
         "input '" + t.name + "' has an implausible image size " + shape_str(s));
  if (t.dtype != DType::kF32 && t.dtype != DType::kU8 && t.dtype != DType::kI8)
    fail(ErrorCode::kInput, model_name,
         "input '" + t.name + "' has dtype " + std::string(dtype_name(t.dtype)) +
             "; images feed f32, u8 or i8 inputs");
  return g;
}

namespace {

// Real values (HWC) → the input tensor's dtype and layout.
void store_input(const std::vector<float>& hwc, const Tensor& input, const InputGeometry& geo,
                 std::byte* out) {
  switch (input.dtype) {
    case DType::kF32:
      store(hwc, geo, reinterpret_cast<float*>(out), [](float v) { return v; });
      break;
    case DType::kU8: {
      float s = input.quant.scale();
      int64_t zp = input.quant.zero_point();
      store(hwc, geo, reinterpret_cast<uint8_t*>(out),
            [&](float v) { return quantize_value<uint8_t>(v, s, zp); });
      break;
    }
    case DType::kI8: {
      float s = input.quant.scale();
      int64_t zp = input.quant.zero_point();
      store(hwc, geo, reinterpret_cast<int8_t*>(out),
            [&](float v) { return quantize_value<int8_t>(v, s, zp); });
      break;
    }
    default: fail(ErrorCode::kInput, input.name, "unsupported input dtype for images");
  }
}

}  // namespace

void preprocess_image(const Image& img, const Tensor& input, const InputGeometry& geo,
                      PreprocessFamily family, std::byte* out) {
  if (family == PreprocessFamily::kInception) {
    store_input(inception_input(geo, [&](RowSink& s) { stream_image(img, s); }), input, geo, out);
  } else {
    store_input(torchvision_caffe_input(img, geo, family), input, geo, out);
  }
}

void preprocess_image_file(const std::string& path, const Tensor& input, const InputGeometry& geo,
                           PreprocessFamily family, std::byte* out) {
  const DecodeSettings d = decode_settings(geo, family);
  if (family == PreprocessFamily::kInception) {
    auto feed = [&](RowSink& s) {
      decode_image_file_rows(path, s, d.target_w, d.target_h, d.fast_dct);
    };
    store_input(inception_input(geo, feed), input, geo, out);
  } else {
    const Image img = decode_image_file(path, d.target_w, d.target_h, d.fast_dct);
    store_input(torchvision_caffe_input(img, geo, family), input, geo, out);
  }
}

DecodeSettings decode_settings(const InputGeometry& geo, PreprocessFamily family) {
  DecodeSettings d;
  if (family == PreprocessFamily::kInception) {
    // TensorFlow decodes at full size with the IFAST DCT; anything else changes pixels.
    d.fast_dct = true;
    return d;
  }
  // torchvision/caffe: PIL's accurate DCT. DCT scaling (only when the image is at
  // least twice the size the resize needs) saves decode time on large photos.
  d.target_w = static_cast<int>(std::ceil(geo.width / kInceptionCrop));
  d.target_h = static_cast<int>(std::ceil(geo.height / kInceptionCrop));
  return d;
}

}  // namespace edgebench
