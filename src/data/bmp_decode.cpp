// BMP → RGB8: uncompressed (BI_RGB) 24-bit, 32-bit and 8-bit palette images,
// bottom-up or top-down, plus 32-bit BI_BITFIELDS with the standard BGRX
// masks. Every offset is checked against the buffer before it is read.
#include <string>

#include "data/image_codecs.h"
#include "util/error.h"

namespace edgebench::detail {

namespace {

constexpr size_t kFileHeaderBytes = 14;
constexpr size_t kInfoHeaderBytes = 40;  // BITMAPINFOHEADER; V4/V5 extend it
constexpr uint32_t kBiRgb = 0;
constexpr uint32_t kBiBitfields = 3;

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

// BI_BITFIELDS is accepted only when it describes plain BGRX, the common case.
bool standard_bgrx_masks(const uint8_t* d, size_t n, uint32_t header_bytes) {
  const size_t at = kFileHeaderBytes + kInfoHeaderBytes;  // inside V4/V5, or right after V3
  const size_t end = header_bytes > kInfoHeaderBytes ? kFileHeaderBytes + header_bytes : at + 12;
  if (end < at + 12 || end > n) return false;
  return le32(d + at) == 0x00FF0000 && le32(d + at + 4) == 0x0000FF00 &&
         le32(d + at + 8) == 0x000000FF;
}

}  // namespace

Image decode_bmp(const uint8_t* d, size_t n, const std::string& name) {
  if (n < kFileHeaderBytes + kInfoHeaderBytes)
    fail(ErrorCode::kInput, name, "truncated BMP header");
  const uint32_t pixel_offset = le32(d + 10);
  const uint32_t header_bytes = le32(d + 14);
  const int64_t width = static_cast<int32_t>(le32(d + 18));
  const int64_t signed_height = static_cast<int32_t>(le32(d + 22));  // < 0: top-down
  const uint16_t planes = le16(d + 26);
  const uint16_t bits = le16(d + 28);
  const uint32_t compression = le32(d + 30);
  const uint32_t colors_used = le32(d + 46);

  if (header_bytes < kInfoHeaderBytes || header_bytes > n - kFileHeaderBytes) {
    fail(ErrorCode::kInput, name, "unsupported or truncated BMP info header");
  }
  if (planes != 1) fail(ErrorCode::kInput, name, "invalid BMP plane count");
  if (bits != 8 && bits != 24 && bits != 32) {
    fail(ErrorCode::kInput, name, "unsupported BMP bit depth " + std::to_string(bits));
  }
  const bool bitfields_ok =
      compression == kBiBitfields && bits == 32 && standard_bgrx_masks(d, n, header_bytes);
  if (compression != kBiRgb && !bitfields_ok) {
    fail(ErrorCode::kInput, name, "unsupported BMP compression " + std::to_string(compression));
  }
  const bool top_down = signed_height < 0;
  const int64_t height = top_down ? -signed_height : signed_height;
  check_dimensions(width, height, name);

  // 8-bit: BGRX palette entries right after the info header.
  const size_t palette_at = kFileHeaderBytes + header_bytes;
  const size_t palette_size = bits == 8 ? (colors_used == 0 ? 256 : colors_used) : 0;
  if (palette_size > 256 || palette_size * 4 > n - palette_at) {
    fail(ErrorCode::kInput, name, "invalid or truncated BMP palette");
  }

  // Rows are padded to 4 bytes; the last row may omit its padding.
  const size_t row_bytes = static_cast<size_t>(width) * (bits / 8);
  const size_t stride = (row_bytes + 3) / 4 * 4;
  const size_t needed = stride * static_cast<size_t>(height - 1) + row_bytes;
  if (pixel_offset > n || needed > n - pixel_offset) {
    fail(ErrorCode::kInput, name, "truncated BMP pixel data");
  }

  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  const size_t step = bits / 8;
  for (int y = 0; y < image.height; ++y) {
    const int file_row = top_down ? y : image.height - 1 - y;
    const uint8_t* src = d + pixel_offset + stride * file_row;
    uint8_t* out = image.rgb.data() + image.index(y, 0);
    for (int x = 0; x < image.width; ++x, src += step, out += 3) {
      const uint8_t* bgr = src;
      if (bits == 8) {
        if (*src >= palette_size) fail(ErrorCode::kInput, name, "BMP palette index out of range");
        bgr = d + palette_at + 4 * size_t{*src};
      }
      out[0] = bgr[2];
      out[1] = bgr[1];
      out[2] = bgr[0];
    }
  }
  return image;
}

}  // namespace edgebench::detail
