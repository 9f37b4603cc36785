#include "report/study.h"

namespace edgebench {

const std::vector<StudyRow>& study_rows() {
  static const std::vector<StudyRow> kRows = {
      {"MobileNetV1", "Jetson TX2", 32, 0.68364, 1595.4, 30.98, 2582.42, 40, 25, 19.36},
      {"MobileNetV1", "Jetson TX2", 16, 0.68374, 2267.5, 363.11, 2033.77, 20, 50, 24.58},
      {"MobileNetV1", "Jetson Nano", 32, 0.68362, 1147.2, 20.04, 4591.97, 70, 14.29, 10.89},
      {"MobileNetV1", "Jetson Nano", 16, 0.68372, 2136.6, 82.95, 2151.96, 20, 50, 23.23},
      {"MobileNetV1", "Edge TPU", 8, 0.68008, 108.5, 3.06, 1235.07, 9.43, 106.04, 40.48},
      {"MobileNetV2", "Jetson TX2", 32, 0.68048, 1818.4, 53.95, 2799.24, 40, 25, 17.86},
      {"MobileNetV2", "Jetson TX2", 16, 0.68048, 1914.3, 187.56, 2278.44, 20, 50, 21.94},
      {"MobileNetV2", "Jetson Nano", 32, 0.68048, 1546.2, 28.93, 5471.34, 90, 11.11, 9.14},
      {"MobileNetV2", "Jetson Nano", 16, 0.68084, 2102.3, 78.96, 2206.76, 20, 50, 22.66},
      {"MobileNetV2", "Edge TPU", 8, 0.69026, 103.1, 3.07, 1315.2, 11.28, 88.65, 38.02},
      {"InceptionV3", "Jetson TX2", 32, 0.76276, 1674.6, 88.99, 8860.52, 150, 6.67, 5.64},
      {"InceptionV3", "Jetson TX2", 16, 0.76284, 3656.9, 1945.94, 4302.21, 20, 50, 11.62},
      {"InceptionV3", "Jetson Nano", 32, 0.76276, 1044.3, 47.38, 17752.81, 320, 3.13, 2.82},
      {"InceptionV3", "Jetson Nano", 16, 0.76264, 3213.4, 469.4, 4191.77, 50, 20, 11.93},
      {"InceptionV3", "Edge TPU", 8, 0.7705, 147.9, 3.13, 25463.41, 490, 2.04, 1.96},
  };
  return kRows;
}

}  // namespace edgebench
