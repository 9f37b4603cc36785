// Preprocessing against hand-computed answers: TF's bilinear resize in both
// coordinate mappings, tf.image.central_crop's integer arithmetic, and
// torchvision's Resize(int) / CenterCrop sizes and offsets.
#include "data/preprocess.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "util/error.h"

namespace edgebench {
namespace {

// Image whose pixel (y, x) is (r, 2r, 200 - r) with r = red(y, x): the green
// and blue channels check that channels stay apart (bilinear is linear, so
// their expected values follow from red's).
Image make_image(int h, int w, const std::function<int(int, int)>& red) {
  Image image;
  image.height = h;
  image.width = w;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int r = red(y, x);
      image.rgb.insert(image.rgb.end(), {static_cast<uint8_t>(r), static_cast<uint8_t>(2 * r),
                                         static_cast<uint8_t>(200 - r)});
    }
  }
  return image;
}

std::vector<float> resize(const Image& src, int out_h, int out_w, bool half_pixel) {
  std::vector<float> out(static_cast<size_t>(out_h) * out_w * 3, -1.0f);
  resize_bilinear_float(src, out_h, out_w, out.data(), half_pixel);
  return out;
}

void expect_red(const std::vector<float>& out, int out_w,
                const std::vector<std::vector<float>>& red) {
  for (size_t y = 0; y < red.size(); ++y) {
    for (size_t x = 0; x < red[y].size(); ++x) {
      const float* p = &out[(y * out_w + x) * 3];
      EXPECT_FLOAT_EQ(p[0], red[y][x]) << "y=" << y << " x=" << x;
      EXPECT_FLOAT_EQ(p[1], 2 * red[y][x]) << "y=" << y << " x=" << x;
      EXPECT_FLOAT_EQ(p[2], 200 - red[y][x]) << "y=" << y << " x=" << x;
    }
  }
}

// 2x2 input, red = [[0, 4], [8, 12]].
const Image kTwoByTwo = make_image(2, 2, [](int y, int x) { return 8 * y + 4 * x; });

TEST(ResizeBilinear, Upsample2x2To4x4Legacy) {
  // scale = 2/4 = 0.5, in = out * 0.5: 0, 0.5, 1, 1.5 -> lower 0,0,1,1,
  // upper min(ceil, 1) = 0,1,1,1, lerp 0,.5,0,.5. Row 0: 0, 2, 4, 4 (x=3
  // clamps to column 1). Row 1 (y=.5) is the mean of rows 0 and 2.
  expect_red(resize(kTwoByTwo, 4, 4, false), 4,
             {{0, 2, 4, 4}, {4, 6, 8, 8}, {8, 10, 12, 12}, {8, 10, 12, 12}});
}

TEST(ResizeBilinear, Upsample2x2To4x4HalfPixel) {
  // in = (out + .5) * .5 - .5: -.25, .25, .75, 1.25 -> lower max(floor, 0) =
  // 0,0,0,1, upper min(ceil, 1) = 0,1,1,1, lerp in - floor = .75,.25,.75,.25.
  // Row 0: 0, 0+4*.25 = 1, 0+4*.75 = 3, 4. Rows step by 8*.25 = 2, 8*.75 = 6.
  expect_red(resize(kTwoByTwo, 4, 4, true), 4,
             {{0, 1, 3, 4}, {2, 3, 5, 6}, {6, 7, 9, 10}, {8, 9, 11, 12}});
}

TEST(ResizeBilinear, Downsample4x4To2x2) {
  const Image src = make_image(4, 4, [](int y, int x) { return 16 * y + 4 * x; });
  // Legacy: in = 0, 2 -> samples pixels (0,0), (0,2), (2,0), (2,2).
  expect_red(resize(src, 2, 2, false), 2, {{0, 8}, {32, 40}});
  // Half-pixel: in = .5, 2.5 -> mean of each 2x2 block; red is linear, so 16y + 4x there.
  expect_red(resize(src, 2, 2, true), 2, {{10, 18}, {42, 50}});
}

TEST(ResizeBilinear, NonIntegerScales) {
  const Image ramp3 = make_image(1, 3, [](int, int x) { return 10 * x; });  // 0, 10, 20
  // 3 -> 2, scale 1.5. Legacy: in = 0, 1.5 -> 0, 15. Half-pixel: .25, 1.75 -> 2.5, 17.5.
  expect_red(resize(ramp3, 1, 2, false), 2, {{0, 15}});
  expect_red(resize(ramp3, 1, 2, true), 2, {{2.5f, 17.5f}});
  // 2 -> 3 half-pixel, scale 2/3: in = -1/6 (clamped: 0), .5, 7/6 (upper clamped: 1).
  const Image ramp2 = make_image(1, 2, [](int, int x) { return 30 * x; });
  expect_red(resize(ramp2, 1, 3, true), 3, {{0, 15, 30}});
}

TEST(ResizeBilinear, SameSizeIsIdentity) {
  const Image src = make_image(3, 5, [](int y, int x) { return 7 * y + 3 * x; });
  for (bool half_pixel : {false, true}) {
    const std::vector<float> out = resize(src, 3, 5, half_pixel);
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], src.rgb[i]);
  }
}

TEST(ResizeBilinear, BadArgumentsThrow) {
  float out[12];
  EXPECT_THROW(resize_bilinear_float(kTwoByTwo, 0, 2, out, false), Error);
  EXPECT_THROW(resize_bilinear_float(Image{}, 2, 2, out, false), Error);
}

TEST(CentralCrop, MatchesTensorFlowFormula) {
  // TF: start = int((size - size * fraction) / 2), kept = size - 2 * start.
  struct Case {
    int h, w;
    double fraction;
    int top, left, out_h, out_w;
  };
  const Case cases[] = {
      {600, 512, 0.875, 37, 32, 526, 448},  // (600 - 525) / 2 = 37.5 -> 37
      {375, 500, 0.875, 23, 31, 329, 438},  // 23.4375 -> 23; 31.25 -> 31
      {333, 500, 0.875, 20, 31, 293, 438},
      {224, 224, 0.875, 14, 14, 196, 196},
      {5, 5, 0.5, 1, 1, 3, 3},  // 1.25 -> 1
      {7, 3, 0.3, 2, 1, 3, 1},  // 2.45 -> 2; 1.05 -> 1
      {10, 10, 0.33, 3, 3, 4, 4},
      {1, 1, 0.875, 0, 0, 1, 1},
      {9, 4, 1.0, 0, 0, 9, 4},
  };
  for (const Case& c : cases) {
    const Image src = make_image(c.h, c.w, [](int y, int x) { return (y * 31 + x) % 256 / 2; });
    const Image out = central_crop(src, c.fraction);
    ASSERT_EQ(out.height, c.out_h) << c.h << "x" << c.w << " @ " << c.fraction;
    ASSERT_EQ(out.width, c.out_w) << c.h << "x" << c.w << " @ " << c.fraction;
    EXPECT_EQ(out.rgb[0], src.rgb[src.index(c.top, c.left)]);
    EXPECT_EQ(out.rgb[out.index(c.out_h - 1, c.out_w - 1) + 2],
              src.rgb[src.index(c.top + c.out_h - 1, c.left + c.out_w - 1) + 2]);
  }
}

TEST(CentralCrop, RejectsBadFraction) {
  for (double fraction : {0.0, -0.5, 1.5}) {
    try {
      central_crop(kTwoByTwo, fraction);
      ADD_FAILURE() << fraction;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUsage);
    }
  }
}

TEST(Torchvision, ShorterSideSize) {
  // int(256 * long / short): 256*500/375 = 341.3, 256*500/333 = 384.4.
  EXPECT_EQ(shorter_side_size(375, 500, 256).height, 256);
  EXPECT_EQ(shorter_side_size(375, 500, 256).width, 341);
  EXPECT_EQ(shorter_side_size(500, 375, 256).height, 341);
  EXPECT_EQ(shorter_side_size(500, 375, 256).width, 256);
  EXPECT_EQ(shorter_side_size(333, 500, 256).width, 384);
  EXPECT_EQ(shorter_side_size(100, 100, 224).width, 224);
  EXPECT_THROW(shorter_side_size(1, 10000, 256), Error);  // 2.56M wide: over the size limit
}

TEST(Torchvision, ResizeShorterSideRoundsHalfToEven) {
  // 1x2 -> 2x4, half-pixel x: in = -.25, .25, .75, 1.25 over red = [1, 3]
  // gives 1, 1.5, 2.5, 3; torch.round (half to even) -> 1, 2, 2, 3.
  const Image src = make_image(1, 2, [](int, int x) { return 1 + 2 * x; });
  const Image out = resize_shorter_side_bilinear(src, 2);
  ASSERT_EQ(out.height, 2);
  ASSERT_EQ(out.width, 4);
  for (int y = 0; y < 2; ++y) {
    EXPECT_EQ(out.rgb[out.index(y, 0)], 1);
    EXPECT_EQ(out.rgb[out.index(y, 1)], 2);
    EXPECT_EQ(out.rgb[out.index(y, 2)], 2);
    EXPECT_EQ(out.rgb[out.index(y, 3)], 3);
    EXPECT_EQ(out.rgb[out.index(y, 1) + 2], 198);  // blue: 200 - 1.5 = 198.5 -> 198
    EXPECT_EQ(out.rgb[out.index(y, 2) + 2], 198);  // 200 - 2.5 = 197.5 -> 198
  }
}

TEST(Torchvision, CenterCropOffsets) {
  // top = int(round((h - crop) / 2)) with Python's half-to-even round.
  const Image src = make_image(7, 9, [](int y, int x) { return 10 * y + x; });
  Image out = center_crop_to(src, 4, 4);  // top = round(1.5) = 2, left = round(2.5) = 2
  EXPECT_EQ(out.rgb[0], 22);
  out = center_crop_to(src, 6, 8);  // round(.5) = 0 both ways
  EXPECT_EQ(out.rgb[0], 0);
  out = center_crop_to(src, 4, 7);  // round(1.5) = 2, round(1) = 1
  EXPECT_EQ(out.rgb[0], 21);
  EXPECT_EQ(out.rgb[out.index(3, 6)], 57);
  EXPECT_EQ(center_crop_to(src, 7, 9).rgb, src.rgb);
  EXPECT_THROW(center_crop_to(src, 8, 4), Error);
}

TEST(Crop, RejectsOutOfBounds) {
  const Image src = make_image(4, 4, [](int y, int x) { return y + x; });
  EXPECT_EQ(crop(src, 1, 2, 3, 2).rgb[0], 3);
  EXPECT_THROW(crop(src, 1, 2, 4, 2), Error);
  EXPECT_THROW(crop(src, -1, 0, 1, 1), Error);
  EXPECT_THROW(crop(src, 0, 0, 0, 1), Error);
}

}  // namespace
}  // namespace edgebench
