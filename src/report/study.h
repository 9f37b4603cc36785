// The study's published rows (Reza et al., ../shared/PAPER.md, N = 50,000), so
// our measurements print beside them.
#pragma once

#include <string_view>
#include <vector>

namespace edgebench {

struct StudyRow {
  std::string_view model, device;
  int bits;
  double top1, mib, load_s, time_s, avg_inf_ms, fps_inf, fps;
};

const std::vector<StudyRow>& study_rows();

}  // namespace edgebench
