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

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, int target_w,
                  int target_h, bool fast_dct);
Image decode_png(const uint8_t* data, size_t size, const std::string& name);
Image decode_bmp(const uint8_t* data, size_t size, const std::string& name);

}  // namespace edgebench::detail
