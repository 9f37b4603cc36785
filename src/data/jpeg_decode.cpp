// JPEG → RGB8 through libturbojpeg's tj* API (libjpeg-turbo 2.1: no tj3*).
// Settings follow TensorFlow's decode_jpeg(channels=3): IFAST IDCT when asked (TF's default),
// fancy upsampling, CMYK/YCCK converted with TF's formulas, truncated files
// rejected (TF's default try_recover_truncated=False).
#include <turbojpeg.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "data/image_codecs.h"
#include "util/error.h"

namespace edgebench::detail {

namespace {

struct TjDestroyer {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDestroyer>;

// What the marker segments before the first scan tell us.
struct JpegMarkers {
  bool adobe = false;           // an APP14 "Adobe" segment: CMYK is stored inverted
  bool eoi_after_scan = false;  // an EOI marker follows the first SOS: data is complete
};

// Walks the marker segments up to the first SOS, then looks for EOI after it.
// Entropy-coded data stuffs 0xFF as FF 00, so FF D9 past SOS can only be EOI
// (an EXIF thumbnail's EOI sits before SOS and is not counted).
JpegMarkers scan_markers(const uint8_t* d, size_t n) {
  JpegMarkers result;
  size_t p = 2;
  while (p < n && d[p] == 0xFF) {
    while (p < n && d[p] == 0xFF) ++p;
    if (p >= n) break;
    const uint8_t marker = d[p++];
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
    if (marker == 0xD9 || p + 2 > n) break;
    const size_t length = (size_t{d[p]} << 8) | d[p + 1];
    if (length < 2 || length > n - p) break;
    if (marker == 0xEE && length >= 14 && std::memcmp(d + p + 2, "Adobe", 5) == 0) {
      result.adobe = true;  // libjpeg's saw_Adobe_marker rule (APP14 with >= 12 data bytes)
    }
    if (marker == 0xDA) {
      for (size_t q = p + length; q + 1 < n; ++q) {
        if (d[q] == 0xFF && d[q + 1] == 0xD9) {
          result.eoi_after_scan = true;
          break;
        }
      }
      break;
    }
    p += length;
  }
  return result;
}

// Smallest DCT scale (<= 1) whose output keeps both sides >= 2x the target,
// so the later bilinear downsampling still has enough pixels to be accurate.
tjscalingfactor pick_scale(int width, int height, int target_w, int target_h) {
  tjscalingfactor best{1, 1};
  if (target_w <= 0 || target_h <= 0) return best;
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  for (int i = 0; factors != nullptr && i < count; ++i) {
    const tjscalingfactor f = factors[i];
    if (f.num > f.denom || f.num * best.denom >= best.num * f.denom) continue;
    if (int64_t{TJSCALED(width, f)} >= 2 * int64_t{target_w} &&
        int64_t{TJSCALED(height, f)} >= 2 * int64_t{target_h}) {
      best = f;
    }
  }
  return best;
}

// TensorFlow's CMYK → RGB (tensorflow/core/lib/jpeg/jpeg_mem.cc): Adobe files
// store inverted CMYK, others plain CMYK.
void cmyk_to_rgb(const std::vector<uint8_t>& cmyk, bool adobe, std::vector<uint8_t>* rgb) {
  const size_t pixels = cmyk.size() / 4;
  rgb->resize(pixels * 3);
  for (size_t i = 0; i < pixels; ++i) {
    const int c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
    uint8_t* out = rgb->data() + 3 * i;
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

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, int target_w,
                  int target_h, bool fast_dct) {
  TjHandle tj(tjInitDecompress());
  if (!tj) fail(ErrorCode::kInternal, name, "cannot create a JPEG decoder");

  // tjDecompressHeader3 also fails on sampling layouts it cannot name (but
  // libjpeg decodes) and on warnings; it has filled in the fields by then, so
  // only a missing size or colour space is fatal here.
  int width = 0, height = 0, subsamp = -1, colorspace = -1;
  if (tjDecompressHeader3(tj.get(), data, static_cast<unsigned long>(size), &width, &height,
                          &subsamp, &colorspace) != 0 &&
      (width <= 0 || height <= 0 || colorspace < 0)) {
    fail(ErrorCode::kInput, name, std::string("corrupt JPEG header: ") + tjGetErrorStr2(tj.get()));
  }
  check_dimensions(width, height, name);

  const tjscalingfactor scale = pick_scale(width, height, target_w, target_h);
  Image image;
  image.width = TJSCALED(width, scale);
  image.height = TJSCALED(height, scale);
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  std::vector<uint8_t> pixels(static_cast<size_t>(image.width) * image.height * (cmyk ? 4 : 3));

  // Fancy upsampling always (TF and PIL both use it); IFAST or accurate IDCT as
  // asked (TF's decode_jpeg defaults to IFAST, PIL to accurate). LIMITSCANS
  // refuses progressive files with absurd scan counts (a CPU bomb).
  const int flags = TJFLAG_LIMITSCANS | (fast_dct ? TJFLAG_FASTDCT : 0);
  if (tjDecompress2(tj.get(), data, static_cast<unsigned long>(size), pixels.data(), image.width, 0,
                    image.height, cmyk ? TJPF_CMYK : TJPF_RGB, flags) != 0) {
    const std::string why = tjGetErrorStr2(tj.get());
    if (tjGetErrorCode(tj.get()) != TJERR_WARNING)
      fail(ErrorCode::kInput, name, "corrupt JPEG: " + why);
    // libjpeg only warns on a truncated stream and fills the rest with grey;
    // missing data is an error (as in TF). Other warnings, e.g. extraneous
    // bytes before a marker, TF accepts, and so do we.
    if (why.find("Premature end") != std::string::npos ||
        !scan_markers(data, size).eoi_after_scan) {
      fail(ErrorCode::kInput, name, "truncated JPEG: " + why);
    }
  }
  if (cmyk) {
    cmyk_to_rgb(pixels, scan_markers(data, size).adobe, &image.rgb);
  } else {
    image.rgb = std::move(pixels);
  }
  return image;
}

}  // namespace edgebench::detail
