// Labelled image sets in the layouts ImageNet users have on disk:
//  (a) class folders  D/<wnid>/*.JPEG          (ImageNet train/val layout)
//  (b) flat folder + ground-truth file         (ILSVRC2012 validation layout)
//  (c) flat folder of <wnid>_*.JPEG            (../shared/imagenet-sample)
//  (d) a CSV file of path,label
// Labels are ImageNet-1k class indices 0..999 (sorted-wnid order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgebench {

struct DatasetItem {
  std::string path;
  int label = -1;  // ImageNet class index 0..999
};

struct DatasetOptions {
  std::string ground_truth;  // layout (b): one label per image (sorted by name), or "file label"
  std::string synset_map;  // maps integer ids of the ground truth (1-based, devkit order) to wnids
};

struct Dataset {
  std::string root;
  std::string layout;              // "class-folders", "ground-truth", "wnid-prefix", "csv"
  std::vector<DatasetItem> items;  // sorted by path
  std::string list_hash;           // sha256 of "path\tlabel\n" lines, paths relative to root
};

// Throws Error(kInput) naming the path for a missing folder, an unknown layout,
// an unknown label, or an empty dataset.
Dataset load_dataset(const std::string& path, const DatasetOptions& opt = {});

// The items evaluated: the first `skip` of the sorted list dropped (e.g. the
// images reserved for calibration), then at most `limit` (0: all) of the rest.
// Throws Error(kUsage) for a negative count.
void select_items(Dataset& ds, int64_t skip, int64_t limit);

// Every image file (.jpg, .jpeg, .png, .bmp) under `dir`, recursively, sorted
// by path; labels are not needed (calibration sets). Throws Error(kInput) when
// `dir` is not a folder.
std::vector<std::string> list_images(const std::string& dir);

// Class index of a wnid ("n01440764" -> 0), -1 if not an ImageNet-1k class.
int imagenet_class_of_wnid(const std::string& wnid);

}  // namespace edgebench
