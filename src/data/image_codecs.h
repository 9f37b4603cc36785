// Internal to src/data: one decoder per format, each taking the whole encoded
// buffer and returning RGB8 or throwing Error(kInput, "<name>: ...").
// image.cpp picks the decoder from the magic bytes; tests may call these directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/image.h"

namespace edgebench::detail {

// Rejects empty, negative and oversized dimensions before anything is allocated.
void check_dimensions(int64_t width, int64_t height, const std::string& name);

struct JpegOptions {
  int target_w = 0, target_h = 0;  // > 0: DCT-scale large images (see decode_image_file)
  bool fast_dct = false;
};
struct JpegScale {
  int num = 1, denom = 1;
};
// Smallest libjpeg-turbo scale n/8 (<= 1) whose output keeps both sides >= 2x the
// target, so the later bilinear downsampling still has enough pixels to be accurate.
JpegScale pick_jpeg_scale(int width, int height, int target_w, int target_h);
void decode_jpeg_rows(const uint8_t* data, size_t size, const std::string& name,
                      const JpegOptions& opt, RowSink& sink);
Image decode_png(const uint8_t* data, size_t size, const std::string& name);
Image decode_bmp(const uint8_t* data, size_t size, const std::string& name);

}  // namespace edgebench::detail
