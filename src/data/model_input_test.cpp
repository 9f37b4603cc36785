// Streaming preprocessing (JPEG decoded row by row into crop + resize) must give
// exactly the tensor of decode-whole-then-preprocess; and the resize window must
// equal cropping first.
#include "data/model_input.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/preprocess.h"
#include "testing/shared_data.h"
#include "util/error.h"

namespace edgebench {
namespace {

namespace fs = std::filesystem;

Tensor image_tensor(DType dtype, Shape shape) {
  Tensor t;
  t.name = "input";
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (dtype != DType::kF32) t.quant = {{1.0f / 128.0f}, {dtype == DType::kU8 ? 128 : 0}, -1};
  return t;
}

TEST(PreprocessImageFile, StreamingEqualsDecodeThenPreprocess) {
  const fs::path shared = testing::shared_dir();
  if (!fs::is_directory(shared / "imagenet-sample")) GTEST_SKIP() << testing::kNoSharedData;
  // The largest sample photos (2.5 MP, where streaming matters), a greyscale one, a small one.
  const std::vector<std::string> files = {"n03843555_oil_filter.JPEG", "n03109150_corkscrew.JPEG",
                                          "n02815834_beaker.JPEG", "n01440764_tench.JPEG"};
  for (PreprocessFamily family :
       {PreprocessFamily::kInception, PreprocessFamily::kTorchvision, PreprocessFamily::kCaffe}) {
    for (const Tensor& in :
         {image_tensor(DType::kF32, {1, 224, 224, 3}), image_tensor(DType::kU8, {1, 224, 224, 3}),
          image_tensor(DType::kF32, {1, 3, 299, 299})}) {
      const InputGeometry geo = image_input_geometry(in, "model");
      for (const std::string& f : files) {
        const std::string path = (shared / "imagenet-sample" / f).string();
        const DecodeSettings d = decode_settings(geo, family);
        std::vector<std::byte> whole(in.bytes()), streamed(in.bytes());
        preprocess_image(decode_image_file(path, d.target_w, d.target_h, d.fast_dct), in, geo,
                         family, whole.data());
        preprocess_image_file(path, in, geo, family, streamed.data());
        EXPECT_EQ(whole, streamed)
            << f << " " << preprocess_family_name(family) << " " << shape_str(in.shape);
      }
    }
  }
}

TEST(BilinearResizeSink, WindowEqualsCropThenResize) {
  Image src;
  src.width = 13;
  src.height = 11;
  for (int i = 0; i < 13 * 11 * 3; ++i) src.rgb.push_back(static_cast<uint8_t>(i * 37 % 251));
  for (bool half_pixel : {false, true}) {
    for (int out : {3, 7, 20}) {  // down- and upsampling
      std::vector<float> a(static_cast<size_t>(out) * out * 3), b(a.size());
      resize_bilinear_float(crop(src, 2, 3, 8, 9), out, out, a.data(), half_pixel, 0.5f);
      BilinearResizeSink sink(
          [](int, int) {
            return Window{2, 3, 8, 9};
          },
          out, out, b.data(), half_pixel, 0.5f);
      stream_image(src, sink);
      sink.finish();
      EXPECT_EQ(a, b) << out << " " << half_pixel;
    }
  }
}

TEST(BilinearResizeSink, RejectsWindowOutsideAndShortSource) {
  std::vector<float> out(4 * 4 * 3);
  BilinearResizeSink outside([](int, int) { return Window{0, 0, 5, 5}; }, 4, 4, out.data(), false);
  EXPECT_THROW(outside.begin(4, 4), Error);
  BilinearResizeSink sink([](int h, int w) { return Window{0, 0, h, w}; }, 4, 4, out.data(), false);
  sink.begin(4, 4);
  const std::vector<uint8_t> row(12, 7);
  sink.row(0, row.data());
  EXPECT_THROW(sink.finish(), Error);  // the source ended after one row
}

}  // namespace
}  // namespace edgebench
