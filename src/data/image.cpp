// Format dispatch and file reading for decode_image_*; the codecs live in
// jpeg_decode.cpp (streaming), png_decode.cpp and bmp_decode.cpp.
#include "data/image.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "data/image_codecs.h"
#include "util/error.h"

namespace edgebench {

namespace {

// Larger files are not images we benchmark with; refuse before reading them.
constexpr uintmax_t kMaxFileBytes = uintmax_t{1} << 30;

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  const bool regular = std::filesystem::is_regular_file(path, ec);
  if (ec) fail(ErrorCode::kInput, path, "cannot open file: " + ec.message());
  if (!regular) fail(ErrorCode::kInput, path, "not a regular file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(ErrorCode::kInput, path, "cannot read file size: " + ec.message());
  if (size > kMaxFileBytes) fail(ErrorCode::kInput, path, "file larger than 1 GiB");

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file)
    fail(ErrorCode::kInput, path, std::string("cannot open file: ") + std::strerror(errno));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    fail(ErrorCode::kInput, path, "cannot read file");
  }
  return bytes;
}

bool starts_with(const uint8_t* data, size_t size, const char* magic, size_t magic_size) {
  return size >= magic_size && std::memcmp(data, magic, magic_size) == 0;
}

}  // namespace

namespace detail {

void check_dimensions(int64_t width, int64_t height, const std::string& name) {
  if (width <= 0 || height <= 0) {
    fail(ErrorCode::kInput, name,
         "invalid image size " + std::to_string(width) + "x" + std::to_string(height));
  }
  if (width > kMaxImageSide || height > kMaxImageSide || width * height > kMaxImagePixels) {
    fail(ErrorCode::kInput, name,
         "image too large (" + std::to_string(width) + "x" + std::to_string(height) + "; limit " +
             std::to_string(kMaxImageSide) + " per side, " + std::to_string(kMaxImagePixels) +
             " pixels)");
  }
}

}  // namespace detail

namespace {

// Collects streamed rows into an Image.
class ImageCollector : public RowSink {
 public:
  void begin(int width, int height) override {
    image.width = width;
    image.height = height;
    image.rgb.resize(static_cast<size_t>(width) * height * 3);
  }
  void row(int y, const uint8_t* rgb) override {
    std::memcpy(image.rgb.data() + image.index(y, 0), rgb, static_cast<size_t>(image.width) * 3);
  }
  Image image;
};

}  // namespace

void stream_image(const Image& image, RowSink& sink) {
  sink.begin(image.width, image.height);
  for (int y = 0; y < image.height; ++y) sink.row(y, image.rgb.data() + image.index(y, 0));
}

void decode_image_memory_rows(const uint8_t* data, size_t size, const std::string& name_for_errors,
                              RowSink& sink, int target_w, int target_h, bool fast_dct) {
  if (data == nullptr || size == 0) fail(ErrorCode::kInput, name_for_errors, "empty file");
  if (starts_with(data, size, "\xFF\xD8\xFF", 3)) {
    detail::decode_jpeg_rows(data, size, name_for_errors, {target_w, target_h, fast_dct}, sink);
    return;
  }
  if (starts_with(data, size, "\x89PNG\r\n\x1A\n", 8)) {
    stream_image(detail::decode_png(data, size, name_for_errors), sink);
    return;
  }
  if (starts_with(data, size, "BM", 2)) {
    stream_image(detail::decode_bmp(data, size, name_for_errors), sink);
    return;
  }
  fail(ErrorCode::kInput, name_for_errors, "not a JPEG, PNG or BMP file");
}

Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name_for_errors,
                          int target_w, int target_h, bool fast_dct) {
  ImageCollector collector;
  decode_image_memory_rows(data, size, name_for_errors, collector, target_w, target_h, fast_dct);
  return std::move(collector.image);
}

void decode_image_file_rows(const std::string& path, RowSink& sink, int target_w, int target_h,
                            bool fast_dct) {
  const std::vector<uint8_t> bytes = read_file(path);
  decode_image_memory_rows(bytes.data(), bytes.size(), path, sink, target_w, target_h, fast_dct);
}

Image decode_image_file(const std::string& path, int target_w, int target_h, bool fast_dct) {
  const std::vector<uint8_t> bytes = read_file(path);
  return decode_image_memory(bytes.data(), bytes.size(), path, target_w, target_h, fast_dct);
}

}  // namespace edgebench
