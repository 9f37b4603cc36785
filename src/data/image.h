// Image decoding: JPEG (libjpeg-turbo), PNG (libpng) and BMP (own parser) into
// 8-bit interleaved RGB. This is the boundary where image files enter the
// program, so every malformed, truncated or oversized input is rejected here
// with Error(ErrorCode::kInput, "<name>: <problem>").
//
// Decoding follows TensorFlow's decode_jpeg / decode_png / decode_bmp with
// channels=3 (IFAST or accurate IDCT on request, fancy upsampling, alpha stripped, 16-bit
// PNG samples truncated to their high byte), so that a TF-style preprocessing
// pipeline built on top reproduces TF's input tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgebench {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triplets, top row first

  size_t index(int y, int x) const { return (static_cast<size_t>(y) * width + x) * 3; }
};

// Largest accepted image: bounds memory use on hostile headers.
inline constexpr int kMaxImageSide = 16384;
inline constexpr int64_t kMaxImagePixels = 100'000'000;

// Receives a decoded image one row at a time, top row first. JPEGs are decoded
// scanline by scanline into it, so a consumer that keeps only a few rows (crop +
// resize) needs memory independent of the image's size.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void begin(int width, int height) = 0;
  virtual void row(int y, const uint8_t* rgb) = 0;  // width RGB triplets, valid during the call
};

// Decodes a JPEG, PNG or BMP file (format chosen by its magic bytes).
// target_w/target_h > 0 let a large JPEG be decoded at a reduced DCT scale (the
// smallest libjpeg-turbo factor keeping both sides >= 2x the target), which is
// much faster; 0 decodes at full size, as TensorFlow does. Other formats are
// always decoded at full size.
// fast_dct selects libjpeg's IFAST inverse DCT, which is what TensorFlow's
// decode_jpeg uses by default ("sacrificing decoding image quality for speed");
// the accurate DCT (default here) is what PIL, and so torchvision, use.
Image decode_image_file(const std::string& path, int target_w = 0, int target_h = 0,
                        bool fast_dct = false);

// Same, from a buffer; name_for_errors prefixes every error message.
Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name_for_errors,
                          int target_w = 0, int target_h = 0, bool fast_dct = false);

// Same decoding, streamed into `sink` (PNG and BMP are decoded whole, then streamed).
void decode_image_file_rows(const std::string& path, RowSink& sink, int target_w = 0,
                            int target_h = 0, bool fast_dct = false);
void decode_image_memory_rows(const uint8_t* data, size_t size, const std::string& name_for_errors,
                              RowSink& sink, int target_w = 0, int target_h = 0,
                              bool fast_dct = false);

// Streams an already decoded image into `sink`.
void stream_image(const Image& image, RowSink& sink);

}  // namespace edgebench
