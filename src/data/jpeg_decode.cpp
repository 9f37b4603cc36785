// JPEG → RGB8 rows through libjpeg-turbo's libjpeg API, one scanline at a time,
// so a streaming consumer (crop + resize) never holds the whole image.
// Settings follow TensorFlow's decode_jpeg(channels=3): IFAST IDCT when asked (TF's
// default), fancy upsampling, CMYK/YCCK converted with TF's formulas, truncated
// files rejected (TF's default try_recover_truncated=False).
#include <cstdio>  // jpeglib.h needs FILE
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "data/image_codecs.h"
#include "util/error.h"

namespace edgebench::detail {

namespace {

// libjpeg reports fatal errors through error_exit, which must not return: we
// longjmp back to decode_jpeg_rows (only libjpeg's C frames lie in between).
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool premature_end;  // JWRN_JPEG_EOF: the data stopped before the image was complete
  char first_warning[JMSG_LENGTH_MAX];
};

void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (cinfo->err->num_warnings++ == 0) (*cinfo->err->format_message)(cinfo, err->first_warning);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->premature_end = true;
}

// TurboJPEG's TJFLAG_LIMITSCANS: a progressive file with absurdly many scans is a CPU bomb.
void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->progressive_mode && d->input_scan_number > 500) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "progressive JPEG with more than 500 scans");
    std::longjmp(err->jump, 1);
  }
}

// Entropy-coded data stuffs 0xFF as FF 00, so FF D9 past the first SOS can only
// be EOI (an EXIF thumbnail's EOI sits before SOS and is not counted).
bool eoi_after_first_scan(const uint8_t* d, size_t n) {
  size_t p = 2;
  while (p < n && d[p] == 0xFF) {
    while (p < n && d[p] == 0xFF) ++p;
    if (p >= n) break;
    const uint8_t marker = d[p++];
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
    if (marker == 0xD9 || p + 2 > n) break;
    const size_t length = (size_t{d[p]} << 8) | d[p + 1];
    if (length < 2 || length > n - p) break;
    if (marker == 0xDA) {
      for (size_t q = p + length; q + 1 < n; ++q)
        if (d[q] == 0xFF && d[q + 1] == 0xD9) return true;
      return false;
    }
    p += length;
  }
  return false;
}

// TensorFlow's CMYK → RGB (tensorflow/core/lib/jpeg/jpeg_mem.cc): Adobe files
// store inverted CMYK, others plain CMYK.
void cmyk_to_rgb(const uint8_t* cmyk, size_t pixels, bool adobe, uint8_t* out) {
  for (size_t i = 0; i < pixels; ++i, cmyk += 4, out += 3) {
    const int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
    if (adobe) {
      out[0] = static_cast<uint8_t>(k * c / 255);
      out[1] = static_cast<uint8_t>(k * m / 255);
      out[2] = static_cast<uint8_t>(k * y / 255);
    } else {
      out[0] = static_cast<uint8_t>((255 - k) * (255 - c) / 255);
      out[1] = static_cast<uint8_t>((255 - k) * (255 - m) / 255);
      out[2] = static_cast<uint8_t>((255 - k) * (255 - y) / 255);
    }
  }
}

struct Decompressor {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  jpeg_progress_mgr progress{};
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }
};

}  // namespace

JpegScale pick_jpeg_scale(int width, int height, int target_w, int target_h) {
  // libjpeg-turbo scales by n/8; the output side is ceil(side * n / 8).
  JpegScale best;
  if (target_w <= 0 || target_h <= 0) return best;
  for (int n = 7; n >= 1; --n) {
    const int64_t w = (int64_t{width} * n + 7) / 8, h = (int64_t{height} * n + 7) / 8;
    if (w >= 2 * int64_t{target_w} && h >= 2 * int64_t{target_h}) best = {n, 8};
  }
  return best;
}

void decode_jpeg_rows(const uint8_t* data, size_t size, const std::string& name,
                      const JpegOptions& opt, RowSink& sink) {
  // Every object with a destructor lives before setjmp, so the longjmp from
  // error_exit skips none (the C++ rule for setjmp/longjmp pairs).
  Decompressor d;
  std::vector<uint8_t> scanline, rgb_row;
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = on_error_exit;
  d.err.pub.emit_message = on_emit_message;
  d.progress.progress_monitor = on_progress;
  if (setjmp(d.err.jump))
    fail(ErrorCode::kInput, name, std::string("corrupt JPEG: ") + d.err.message);
  jpeg_create_decompress(&d.cinfo);  // keeps cinfo.err; a zeroed cinfo is safe to destroy

  jpeg_mem_src(&d.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d.cinfo, TRUE);
  check_dimensions(d.cinfo.image_width, d.cinfo.image_height, name);
  const bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
  d.cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  // Fancy upsampling always (TF and PIL both use it); IFAST or accurate IDCT as asked.
  d.cinfo.do_fancy_upsampling = TRUE;
  d.cinfo.dct_method = opt.fast_dct ? JDCT_IFAST : JDCT_ISLOW;
  const JpegScale scale =
      pick_jpeg_scale(static_cast<int>(d.cinfo.image_width), static_cast<int>(d.cinfo.image_height),
                      opt.target_w, opt.target_h);
  d.cinfo.scale_num = static_cast<unsigned>(scale.num);
  d.cinfo.scale_denom = static_cast<unsigned>(scale.denom);
  d.cinfo.progress = &d.progress;
  jpeg_start_decompress(&d.cinfo);

  const int width = static_cast<int>(d.cinfo.output_width);
  const int height = static_cast<int>(d.cinfo.output_height);
  scanline.resize(static_cast<size_t>(width) * (cmyk ? 4 : 3));
  if (cmyk) rgb_row.resize(static_cast<size_t>(width) * 3);
  sink.begin(width, height);
  JSAMPROW row = scanline.data();
  for (int y = 0; y < height; ++y) {
    if (jpeg_read_scanlines(&d.cinfo, &row, 1) != 1)
      fail(ErrorCode::kInput, name, "corrupt JPEG: no scanline " + std::to_string(y));
    if (cmyk) {
      cmyk_to_rgb(scanline.data(), static_cast<size_t>(width), d.cinfo.saw_Adobe_marker,
                  rgb_row.data());
      sink.row(y, rgb_row.data());
    } else {
      sink.row(y, scanline.data());
    }
  }
  jpeg_finish_decompress(&d.cinfo);
  // libjpeg only warns on a truncated stream and fills the rest with grey;
  // missing data is an error (as in TF). Other warnings, e.g. extraneous bytes
  // before a marker, TF accepts, and so do we.
  if (d.err.pub.num_warnings > 0 && (d.err.premature_end || !eoi_after_first_scan(data, size)))
    fail(ErrorCode::kInput, name, std::string("truncated JPEG: ") + d.err.first_warning);
}

}  // namespace edgebench::detail
