// Tests for decode_image_*: the shared BMPs and ImageNet JPEGs against values
// read from the raw files by hand, in-memory PNG/JPEG/BMP fixtures built here
// with libpng / libturbojpeg's encoders (an independent path), and every kind
// of bad input we can think of, which must throw Error(kInput) naming the file.
#include "data/image.h"

#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// EDGEBENCH_SHARED if set, else ../shared relative to the working directory
// or to the checkout. Empty (tests skip) when the chosen folder has no images/.
fs::path shared_dir() {
#ifdef EDGEBENCH_SOURCE_DIR
  const fs::path repo_root = EDGEBENCH_SOURCE_DIR;  // set by CMake for the test binary
#else
  const fs::path repo_root = fs::path(__FILE__).parent_path().parent_path().parent_path();
#endif
  std::vector<fs::path> candidates = {"../shared", repo_root / "../shared"};
  if (const char* env = std::getenv("EDGEBENCH_SHARED"); env != nullptr && *env != '\0') {
    candidates = {fs::path(env)};
  }
  for (const fs::path& candidate : candidates) {
    std::error_code ec;
    if (fs::is_directory(candidate / "images", ec)) return candidate;
  }
  return {};
}

#define REQUIRE_SHARED(dir)                                                              \
  const fs::path dir = shared_dir();                                                     \
  if (dir.empty()) {                                                                     \
    GTEST_SKIP() << "shared data not found: set EDGEBENCH_SHARED to the shared folder, " \
                    "or place it at ../shared";                                          \
  }

// Runs f and checks it throws Error(kInput) whose message names `name`.
void expect_input_error(const std::function<void()>& f, const std::string& name,
                        const std::string& detail = "") {
  try {
    f();
    ADD_FAILURE() << "no error for " << name;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    if (!detail.empty()) {
      EXPECT_NE(std::string(e.what()).find(detail), std::string::npos) << e.what();
    }
  }
}

void expect_decode_error(const Bytes& bytes, const std::string& name,
                         const std::string& detail = "") {
  expect_input_error([&] { decode_image_memory(bytes.data(), bytes.size(), name); }, name, detail);
}

Image decode(const Bytes& bytes, int target_w = 0, int target_h = 0) {
  return decode_image_memory(bytes.data(), bytes.size(), "fixture", target_w, target_h);
}

std::array<int, 3> pixel(const Image& image, int y, int x) {
  const size_t i = image.index(y, x);
  return {image.rgb[i], image.rgb[i + 1], image.rgb[i + 2]};
}

// A smooth, asymmetric test pattern that JPEG compresses with small error.
Bytes gradient_rgb(int w, int h) {
  Bytes rgb(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = rgb.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>(40 + 160 * x / w);
      p[1] = static_cast<uint8_t>(30 + 180 * y / h);
      p[2] = static_cast<uint8_t>(200 - 100 * (x + y) / (w + h));
    }
  }
  return rgb;
}

// ---------------------------------------------------------------- encoders

Bytes encode_jpeg(const Bytes& pixels, int w, int h, int pixel_format, int subsamp,
                  int quality = 95, int flags = 0) {
  tjhandle tj = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int rc =
      tjCompress2(tj, pixels.data(), w, 0, h, pixel_format, &jpeg, &size, subsamp, quality, flags);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(tj);
  Bytes out(jpeg, jpeg + (rc == 0 ? size : 0));
  tjFree(jpeg);
  tjDestroy(tj);
  return out;
}

struct PngSpec {
  int width = 0, height = 0, color_type = PNG_COLOR_TYPE_RGB, bit_depth = 8;
  bool interlace = false;
  std::vector<png_color> palette;
  Bytes trns;  // palette alpha entries
};

PngSpec png_spec(int width, int height, int color_type, int bit_depth) {
  PngSpec spec;
  spec.width = width, spec.height = height, spec.color_type = color_type,
  spec.bit_depth = bit_depth;
  return spec;
}

void append_png_bytes(png_structp png, png_bytep data, size_t n) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void on_png_write_error(png_structp png, png_const_charp) {
  png_longjmp(png, 1);
}

bool write_png(png_structp png, png_infop info, const PngSpec& s, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, s.width, s.height, s.bit_depth, s.color_type,
               s.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!s.palette.empty())
    png_set_PLTE(png, info, s.palette.data(), static_cast<int>(s.palette.size()));
  if (!s.trns.empty())
    png_set_tRNS(png, info, s.trns.data(), static_cast<int>(s.trns.size()), nullptr);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

// rows: height rows of raw PNG row bytes (big-endian 16-bit samples, packed bits).
Bytes encode_png(const PngSpec& spec, Bytes rows) {
  Bytes out;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, on_png_write_error, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, append_png_bytes, nullptr);
  std::vector<png_bytep> row_ptrs(spec.height);
  const size_t row_bytes = rows.size() / spec.height;
  for (int y = 0; y < spec.height; ++y) row_ptrs[y] = rows.data() + y * row_bytes;
  EXPECT_TRUE(write_png(png, info, spec, row_ptrs.data()));
  png_destroy_write_struct(&png, &info);
  return out;
}

// PNG's CRC-32 (ISO 3309), for patching headers in hostile fixtures.
uint32_t crc32(const uint8_t* data, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24, p[1] = (v >> 16) & 0xFF, p[2] = (v >> 8) & 0xFF, p[3] = v & 0xFF;
}

// Rewrites IHDR's width/height (bytes 16..23) and fixes its CRC.
Bytes patch_png_size(Bytes png, uint32_t w, uint32_t h) {
  put_be32(&png[16], w);
  put_be32(&png[20], h);
  put_be32(&png[29], crc32(&png[12], 17));
  return png;
}

void put_le32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// BMP with a 40-byte BITMAPINFOHEADER. pixels: file-order rows, unpadded (padding added here).
Bytes make_bmp(int w, int h, int bits, const Bytes& file_rows, const Bytes& palette_bgrx = {},
               uint32_t compression = 0) {
  const size_t row_bytes = static_cast<size_t>(w) * bits / 8, stride = (row_bytes + 3) / 4 * 4;
  const size_t rows = static_cast<size_t>(std::abs(h));
  const size_t masks = compression == 3 ? 12 : 0;
  const size_t offset = 54 + masks + palette_bgrx.size();
  Bytes b(offset + stride * rows, 0);
  b[0] = 'B', b[1] = 'M';
  put_le32(b, 2, static_cast<uint32_t>(b.size()));
  put_le32(b, 10, static_cast<uint32_t>(offset));
  put_le32(b, 14, 40);
  put_le32(b, 18, static_cast<uint32_t>(w));
  put_le32(b, 22, static_cast<uint32_t>(h));
  b[26] = 1, b[28] = static_cast<uint8_t>(bits);
  put_le32(b, 30, compression);
  put_le32(b, 46, static_cast<uint32_t>(palette_bgrx.size() / 4));
  if (masks) put_le32(b, 54, 0x00FF0000), put_le32(b, 58, 0x0000FF00), put_le32(b, 62, 0x000000FF);
  std::copy(palette_bgrx.begin(), palette_bgrx.end(), b.begin() + 54 + masks);
  for (size_t r = 0; r < rows; ++r) {
    std::copy_n(file_rows.begin() + r * row_bytes, row_bytes, b.begin() + offset + r * stride);
  }
  return b;
}

fs::path write_temp(const std::string& name, const Bytes& bytes) {
  const fs::path path = fs::temp_directory_path() /
                        ("edgebench_image_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}

// ---------------------------------------------------------------- shared data

TEST(DecodeImage, SharedBmpsMatchRawFileBytes) {
  REQUIRE_SHARED(shared);
  // Sizes from the BMP headers; pixels read from the raw files (bottom-up
  // rows, BGR) with a few lines of Python.
  struct Case {
    const char* file;
    int w, h;
    std::array<int, 3> top_left, centre, bottom_right;
  };
  const Case cases[] = {
      {"grace_hopper.bmp", 512, 600, {21, 26, 82}, {223, 134, 99}, {13, 12, 18}},
      {"cat.bmp", 512, 341, {223, 124, 82}, {176, 94, 55}, {159, 101, 63}},
      {"bird.bmp", 512, 343, {135, 141, 61}, {219, 217, 211}, {0, 3, 7}},
      {"dragonfly.bmp", 512, 418, {177, 147, 120}, {60, 51, 55}, {172, 124, 88}},
  };
  for (const Case& c : cases) {
    const Image image = decode_image_file((shared / "images" / c.file).string());
    ASSERT_EQ(image.width, c.w) << c.file;
    ASSERT_EQ(image.height, c.h) << c.file;
    ASSERT_EQ(image.rgb.size(), static_cast<size_t>(c.w) * c.h * 3);
    EXPECT_EQ(pixel(image, 0, 0), c.top_left) << c.file;
    EXPECT_EQ(pixel(image, c.h / 2, c.w / 2), c.centre) << c.file;
    EXPECT_EQ(pixel(image, c.h - 1, c.w - 1), c.bottom_right) << c.file;
  }
}

TEST(DecodeImage, SharedJpegSizeAndDctScaling) {
  REQUIRE_SHARED(shared);
  const std::string tench = (shared / "imagenet-sample" / "n01440764_tench.JPEG").string();
  const Image full = decode_image_file(tench);
  EXPECT_EQ(full.width, 500);  // SOF0: 500x375
  EXPECT_EQ(full.height, 375);
  // Target 112x112: 1/2 gives 250x188 (< 224), so 5/8 = ceil(500*5/8) x ceil(375*5/8).
  const Image scaled = decode_image_file(tench, 112, 112);
  EXPECT_EQ(scaled.width, 313);
  EXPECT_EQ(scaled.height, 235);
  // Target bigger than half the image: no scaling.
  EXPECT_EQ(decode_image_file(tench, 300, 300).width, 500);
}

TEST(DecodeImage, EveryImagenetSampleDecodes) {
  REQUIRE_SHARED(shared);
  const fs::path dir = shared / "imagenet-sample";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " absent";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const Image image = decode_image_file(entry.path().string());
    EXPECT_GT(image.width, 0) << entry.path();
    ++count;
  }
  EXPECT_EQ(count, 500);
  // A greyscale JPEG (SOF with 1 component) comes out with R = G = B.
  const Image grey = decode_image_file((dir / "n02815834_beaker.JPEG").string());
  EXPECT_EQ(grey.width, 320);
  EXPECT_EQ(grey.height, 221);
  for (size_t i = 0; i < grey.rgb.size(); i += 3) {
    ASSERT_TRUE(grey.rgb[i] == grey.rgb[i + 1] && grey.rgb[i] == grey.rgb[i + 2]) << i;
  }
}

// ---------------------------------------------------------------- JPEG

void expect_close(const Image& image, const Bytes& expected, double max_abs, double max_mean) {
  ASSERT_EQ(image.rgb.size(), expected.size());
  double sum = 0, worst = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double d = std::abs(static_cast<double>(image.rgb[i]) - expected[i]);
    sum += d;
    worst = std::max(worst, d);
  }
  EXPECT_LE(worst, max_abs);
  EXPECT_LE(sum / expected.size(), max_mean);
}

TEST(DecodeImage, JpegRoundTripWithinTolerance) {
  const int w = 37, h = 23;  // not multiples of the 8x8 / 16x16 MCU
  const Bytes rgb = gradient_rgb(w, h);
  for (int subsamp : {TJSAMP_444, TJSAMP_420}) {
    for (int flags : {0, TJFLAG_PROGRESSIVE}) {
      const Image image = decode(encode_jpeg(rgb, w, h, TJPF_RGB, subsamp, 95, flags));
      EXPECT_EQ(image.width, w);
      EXPECT_EQ(image.height, h);
      expect_close(image, rgb, subsamp == TJSAMP_444 ? 6 : 12, 2.0);
    }
  }
}

TEST(DecodeImage, GreyJpegBecomesRgb) {
  const int w = 16, h = 9;
  Bytes grey(w * h), expected;
  for (int i = 0; i < w * h; ++i) grey[i] = static_cast<uint8_t>(60 + i % 16 * 8);
  for (uint8_t v : grey) expected.insert(expected.end(), {v, v, v});
  const Image image = decode(encode_jpeg(grey, w, h, TJPF_GRAY, TJSAMP_GRAY));
  expect_close(image, expected, 6, 2.0);
  for (size_t i = 0; i < image.rgb.size(); i += 3) {
    EXPECT_TRUE(image.rgb[i] == image.rgb[i + 1] && image.rgb[i] == image.rgb[i + 2]);
  }
}

TEST(DecodeImage, AdobeCmykJpegUsesTensorFlowConversion) {
  // libjpeg writes CMYK as YCCK with an Adobe marker; TF then maps
  // (c, m, y, k) -> (k*c/255, k*m/255, k*y/255).
  const int w = 16, h = 16;
  Bytes cmyk;
  for (int i = 0; i < w * h; ++i) cmyk.insert(cmyk.end(), {255, 128, 40, 200});
  const Image image = decode(encode_jpeg(cmyk, w, h, TJPF_CMYK, TJSAMP_444, 100));
  Bytes expected;
  for (int i = 0; i < w * h; ++i) {
    expected.insert(expected.end(), {200 * 255 / 255, 200 * 128 / 255, 200 * 40 / 255});
  }
  expect_close(image, expected, 4, 2.0);
}

TEST(DecodeImage, JpegDctScalingPicksSmallestFactorKeeping2x) {
  const Bytes jpeg = encode_jpeg(gradient_rgb(320, 240), 320, 240, TJPF_RGB, TJSAMP_420);
  EXPECT_EQ(decode(jpeg, 40, 30).width, 80);  // 1/4: 80x60 >= 2 x 40x30; 1/8 is too small
  EXPECT_EQ(decode(jpeg, 40, 30).height, 60);
  EXPECT_EQ(decode(jpeg, 41, 30).width, 120);    // 3/8: 120x90
  EXPECT_EQ(decode(jpeg, 0, 0).width, 320);      // no target: full size
  EXPECT_EQ(decode(jpeg, 200, 200).width, 320);  // target too large: full size
}

TEST(DecodeImage, TruncatedJpegThrows) {
  for (int flags : {0, TJFLAG_PROGRESSIVE}) {
    const Bytes jpeg = encode_jpeg(gradient_rgb(64, 48), 64, 48, TJPF_RGB, TJSAMP_420, 90, flags);
    for (size_t keep :
         {size_t{3}, size_t{20}, size_t{200}, jpeg.size() / 2, jpeg.size() - 40, jpeg.size() - 2}) {
      const std::string name = "cut_" + std::to_string(keep) + ".jpg";
      expect_decode_error(Bytes(jpeg.begin(), jpeg.begin() + keep), name);
    }
  }
}

TEST(DecodeImage, JpegWithHostileHeaderThrows) {
  Bytes jpeg = encode_jpeg(gradient_rgb(16, 16), 16, 16, TJPF_RGB, TJSAMP_444);
  // Find SOF0 and rewrite its size fields (height, width at +5, +7).
  size_t sof = 2;
  while (!(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0))
    sof += 2 + (jpeg[sof + 2] << 8 | jpeg[sof + 3]);
  auto resized = [&](int h, int w) {
    Bytes b = jpeg;
    b[sof + 5] = static_cast<uint8_t>(h >> 8), b[sof + 6] = static_cast<uint8_t>(h & 0xFF);
    b[sof + 7] = static_cast<uint8_t>(w >> 8), b[sof + 8] = static_cast<uint8_t>(w & 0xFF);
    return b;
  };
  expect_decode_error(resized(16, 20000), "wide.jpg", "too large");    // > 16384 per side
  expect_decode_error(resized(12000, 12000), "big.jpg", "too large");  // > 100 MPixel
  expect_decode_error(resized(65535, 65535), "huge.jpg");              // beyond libjpeg's limit
  expect_decode_error(resized(16, 0), "zero.jpg");
}

// ---------------------------------------------------------------- PNG

TEST(DecodeImage, PngColourTypesBecomeRgb8) {
  const int w = 5, h = 3;
  const Bytes rgb = gradient_rgb(w, h);
  {  // RGB8: exact
    EXPECT_EQ(decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_RGB, 8), rgb)).rgb, rgb);
  }
  {  // RGBA8: alpha dropped, not composited (TF)
    Bytes rgba;
    for (size_t i = 0; i < rgb.size(); i += 3)
      rgba.insert(rgba.end(), {rgb[i], rgb[i + 1], rgb[i + 2], 7});
    EXPECT_EQ(decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_RGB_ALPHA, 8), rgba)).rgb, rgb);
  }
  {  // 16-bit RGB: high byte kept (png_set_strip_16, as TF)
    Bytes rgb16;
    for (uint8_t v : rgb) rgb16.insert(rgb16.end(), {v, static_cast<uint8_t>(255 - v)});
    EXPECT_EQ(decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_RGB, 16), rgb16)).rgb, rgb);
  }
  {  // grey 8 and grey+alpha 16: replicated to RGB
    Bytes grey, grey_alpha16, expected;
    for (int i = 0; i < w * h; ++i) {
      const uint8_t v = static_cast<uint8_t>(i * 17);
      grey.push_back(v);
      grey_alpha16.insert(grey_alpha16.end(), {v, 0x80, 0x12, 0x34});
      expected.insert(expected.end(), {v, v, v});
    }
    EXPECT_EQ(decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_GRAY, 8), grey)).rgb, expected);
    EXPECT_EQ(decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_GRAY_ALPHA, 16), grey_alpha16)).rgb,
              expected);
  }
  {  // 1-bit grey: 0 -> 0, 1 -> 255. Rows of 5 pixels pack into one byte, MSB first.
    const Bytes bits = {0b10100000, 0b01010000, 0b11111000};
    const Image image = decode(encode_png(png_spec(w, h, PNG_COLOR_TYPE_GRAY, 1), bits));
    EXPECT_EQ(pixel(image, 0, 0), (std::array<int, 3>{255, 255, 255}));
    EXPECT_EQ(pixel(image, 0, 1), (std::array<int, 3>{0, 0, 0}));
    EXPECT_EQ(pixel(image, 1, 1), (std::array<int, 3>{255, 255, 255}));
    EXPECT_EQ(pixel(image, 2, 4), (std::array<int, 3>{255, 255, 255}));
  }
  {  // palette with tRNS: colours expanded, transparency ignored
    PngSpec spec = png_spec(w, h, PNG_COLOR_TYPE_PALETTE, 8);
    spec.palette = {{10, 20, 30}, {200, 100, 0}, {1, 2, 3}};
    spec.trns = {0, 128};
    Bytes indices, expected;
    for (int i = 0; i < w * h; ++i) {
      const png_color& c = spec.palette[i % 3];
      indices.push_back(static_cast<uint8_t>(i % 3));
      expected.insert(expected.end(), {c.red, c.green, c.blue});
    }
    EXPECT_EQ(decode(encode_png(spec, indices)).rgb, expected);
  }
}

TEST(DecodeImage, InterlacedPngDecodes) {
  const int w = 19, h = 11;
  const Bytes rgb = gradient_rgb(w, h);
  PngSpec spec = png_spec(w, h, PNG_COLOR_TYPE_RGB, 8);
  spec.interlace = true;
  EXPECT_EQ(decode(encode_png(spec, rgb)).rgb, rgb);
}

TEST(DecodeImage, TruncatedOrCorruptPngThrows) {
  const Bytes png = encode_png(png_spec(8, 8, PNG_COLOR_TYPE_RGB, 8), gradient_rgb(8, 8));
  // Cuts: inside the signature, inside IHDR, inside IDAT, without IEND.
  for (size_t keep : {size_t{8}, size_t{20}, png.size() / 2, png.size() - 12, png.size() - 1}) {
    expect_decode_error(Bytes(png.begin(), png.begin() + keep),
                        "cut_" + std::to_string(keep) + ".png");
  }
  Bytes bad_crc = png;
  bad_crc[17] ^= 0x01;  // IHDR width byte, CRC now wrong
  expect_decode_error(bad_crc, "bad_crc.png");
  Bytes bad_idat = png;
  for (size_t i = 41; i < bad_idat.size() - 20; ++i) bad_idat[i] ^= 0x5A;  // zlib stream scrambled
  expect_decode_error(bad_idat, "bad_idat.png");
}

TEST(DecodeImage, OversizedPngThrowsBeforeAllocating) {
  const Bytes png = encode_png(png_spec(8, 8, PNG_COLOR_TYPE_RGB, 8), gradient_rgb(8, 8));
  expect_decode_error(patch_png_size(png, 20000, 8), "wide.png");  // > 16384 per side
  expect_decode_error(patch_png_size(png, 12000, 12000), "big.png", "too large");  // > 100 MPixel
  expect_decode_error(patch_png_size(png, 0, 8), "empty.png");
}

// ---------------------------------------------------------------- BMP

TEST(DecodeImage, BmpLayouts) {
  // 3x2 image: top row red, green, blue; bottom row white, black, grey.
  const Bytes top_bgr = {0, 0, 255, 0, 255, 0, 255, 0, 0};
  const Bytes bottom_bgr = {255, 255, 255, 0, 0, 0, 128, 128, 128};
  const Bytes expected = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128};
  auto concat = [](Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  auto add_alpha = [](const Bytes& bgr) {
    Bytes out;
    for (size_t i = 0; i < bgr.size(); i += 3)
      out.insert(out.end(), {bgr[i], bgr[i + 1], bgr[i + 2], 99});
    return out;
  };
  // 24-bit rows are 9 bytes, padded to 12: exercises the stride.
  EXPECT_EQ(decode(make_bmp(3, 2, 24, concat(bottom_bgr, top_bgr))).rgb, expected);   // bottom-up
  EXPECT_EQ(decode(make_bmp(3, -2, 24, concat(top_bgr, bottom_bgr))).rgb, expected);  // top-down
  EXPECT_EQ(decode(make_bmp(3, 2, 32, add_alpha(concat(bottom_bgr, top_bgr)))).rgb, expected);
  EXPECT_EQ(decode(make_bmp(3, 2, 32, add_alpha(concat(bottom_bgr, top_bgr)), {}, 3)).rgb,
            expected);
  // 8-bit palette: entries are BGRX.
  const Bytes palette = {0,   0,   255, 0, 0, 255, 0, 0, 255, 0,   0,   0,
                         255, 255, 255, 0, 0, 0,   0, 0, 128, 128, 128, 0};
  EXPECT_EQ(decode(make_bmp(3, 2, 8, {3, 4, 5, 0, 1, 2}, palette)).rgb, expected);
}

TEST(DecodeImage, BadBmpThrows) {
  const Bytes rows(3 * 2 * 3, 50);
  const Bytes good = make_bmp(3, 2, 24, rows);
  ASSERT_NO_THROW(decode(good));
  for (size_t keep : {size_t{2}, size_t{30}, size_t{54}, good.size() - 4}) {
    expect_decode_error(Bytes(good.begin(), good.begin() + keep),
                        "cut_" + std::to_string(keep) + ".bmp");
  }
  auto patched = [&](size_t at, uint32_t value) {
    Bytes b = good;
    put_le32(b, at, value);
    return b;
  };
  expect_decode_error(patched(10, 0xFFFFFFF0u), "offset.bmp");  // pixels beyond the end
  expect_decode_error(patched(14, 12), "core_header.bmp");      // OS/2 header: unsupported
  expect_decode_error(patched(14, 4000), "long_header.bmp");    // header beyond the end
  expect_decode_error(patched(18, 0), "zero_width.bmp");
  expect_decode_error(patched(22, 0x80000000u), "int_min_height.bmp");
  expect_decode_error(patched(18, 20000), "wide.bmp", "too large");
  expect_decode_error(patched(30, 1), "rle8.bmp", "compression");
  Bytes bits16 = good;
  bits16[28] = 16;
  expect_decode_error(bits16, "16bit.bmp", "bit depth");
  // Palette of 2 entries, pixel index 5.
  expect_decode_error(make_bmp(3, 2, 8, {0, 1, 5, 0, 1, 0}, Bytes(8, 0)), "index.bmp", "palette");
  // 32-bit BI_BITFIELDS with non-BGRX masks.
  Bytes masks = make_bmp(3, 2, 32, Bytes(24, 1), {}, 3);
  put_le32(masks, 54, 0xFF000000u);
  expect_decode_error(masks, "masks.bmp");
}

// ---------------------------------------------------------------- anything else

TEST(DecodeImage, GarbageThrows) {
  std::mt19937 rng(1234);
  for (const std::string magic : {"", "\xFF\xD8\xFF", "\x89PNG\r\n\x1A\n", "BM"}) {
    for (int trial = 0; trial < 50; ++trial) {
      Bytes bytes(magic.begin(), magic.end());
      const size_t n = rng() % 2000;
      for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(rng()));
      expect_decode_error(bytes, "garbage.bin");
    }
  }
  expect_decode_error(Bytes{'G', 'I', 'F', '8', '9', 'a'}, "x.gif", "not a JPEG, PNG or BMP file");
}

TEST(DecodeImage, FileErrorsThrow) {
  const fs::path empty = write_temp("empty.jpg", {});
  expect_input_error([&] { decode_image_file(empty.string()); }, empty.string(), "empty");
  fs::remove(empty);
  const std::string missing = "/nonexistent/edgebench/missing.jpg";
  expect_input_error([&] { decode_image_file(missing); }, missing);
  const std::string dir = fs::temp_directory_path().string();
  expect_input_error([&] { decode_image_file(dir); }, dir);
  expect_input_error([&] { decode_image_memory(nullptr, 0, "null"); }, "null");
}

TEST(DecodeImage, FileAndMemoryAgree) {
  const Bytes png = encode_png(png_spec(4, 4, PNG_COLOR_TYPE_RGB, 8), gradient_rgb(4, 4));
  const fs::path path = write_temp("agree.png", png);
  EXPECT_EQ(decode_image_file(path.string()).rgb, decode(png).rgb);
  fs::remove(path);
}

}  // namespace
}  // namespace edgebench
