// The ImageNet-1k (ILSVRC2012) class list: index 0..999 <-> WordNet id, in the
// standard order (sorted wnids) that every ImageNet classifier is trained with.
#pragma once

#include <array>

namespace edgebench {

const std::array<const char*, 1000>& imagenet_wnids();

}  // namespace edgebench
