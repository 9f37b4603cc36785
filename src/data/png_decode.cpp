// PNG → RGB8 through libpng. Conversions follow TensorFlow's decode_png
// (channels=3, uint8): palette expanded, 1/2/4-bit grey widened, grey
// replicated to RGB, alpha and tRNS dropped (not composited), 16-bit samples
// truncated to their high byte (png_set_strip_16).
//
// libpng reports errors by longjmp: each setjmp lives in a small function whose
// locals are trivially destructible, so no C++ destructor is ever skipped.
#include <png.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/image_codecs.h"
#include "util/error.h"

namespace edgebench::detail {

namespace {

// What the libpng callbacks see: the input buffer and the last error text.
struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char error[200];
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(source->error, sizeof source->error, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // library code never prints

void read_png_bytes(png_structp png, png_bytep out, size_t count) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (count > source->size - source->pos) png_error(png, "file is truncated");
  std::memcpy(out, source->data + source->pos, count);
  source->pos += count;
}

// Owns the libpng structs; png_destroy_read_struct accepts null members.
struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReader() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

// Reads the header and sets up the RGB8 transforms; false on a libpng error.
bool read_header(png_structp png, png_infop info, png_uint_32* width, png_uint_32* height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  int bit_depth = 0, color_type = 0;
  png_get_IHDR(png, info, width, height, &bit_depth, &color_type, nullptr, nullptr, nullptr);
  if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_set_strip_alpha(png);
  }
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (!(color_type & PNG_COLOR_MASK_COLOR)) {
    if (bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return true;
}

// Decodes all rows and the trailing chunks (a missing IEND means truncation).
bool read_pixels(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

Image decode_png(const uint8_t* data, size_t size, const std::string& name) {
  PngSource source{data, size, 0, ""};
  PngReader reader;
  reader.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, on_png_error, on_png_warning);
  if (reader.png) reader.info = png_create_info_struct(reader.png);
  if (!reader.png || !reader.info) fail(ErrorCode::kInternal, name, "cannot create a PNG decoder");
  png_set_read_fn(reader.png, &source, read_png_bytes);
  png_set_user_limits(reader.png, kMaxImageSide, kMaxImageSide);

  png_uint_32 width = 0, height = 0;
  if (!read_header(reader.png, reader.info, &width, &height)) {
    fail(ErrorCode::kInput, name, std::string("corrupt PNG: ") + source.error);
  }
  check_dimensions(width, height, name);
  if (png_get_channels(reader.png, reader.info) != 3 ||
      png_get_rowbytes(reader.png, reader.info) != size_t{width} * 3) {
    fail(ErrorCode::kInternal, name, "PNG transforms did not yield RGB8");
  }

  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.rgb.resize(size_t{width} * height * 3);
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = image.rgb.data() + image.index(y, 0);
  if (!read_pixels(reader.png, rows.data())) {
    fail(ErrorCode::kInput, name, std::string("corrupt PNG: ") + source.error);
  }
  return image;
}

}  // namespace edgebench::detail
