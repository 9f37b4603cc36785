#include "data/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/imagenet_classes.h"
#include "util/error.h"
#include "util/sha256.h"

namespace edgebench {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpeg" || ext == ".jpg" || ext == ".png" || ext == ".bmp";
}

bool looks_like_wnid(const std::string& s) {
  return s.size() == 9 && s[0] == 'n' &&
         std::all_of(s.begin() + 1, s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<fs::path> sorted_images(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && is_image_name(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// A label is a wnid, or an integer: a devkit id through the synset map when
// one is given, else a class index 0..999.
int parse_label(const std::string& text, const std::vector<std::string>& synset_map,
                const std::string& where) {
  std::string t = trim(text);
  if (looks_like_wnid(t)) {
    int c = imagenet_class_of_wnid(t);
    if (c < 0) fail(ErrorCode::kInput, where, "'" + t + "' is not an ImageNet-1k class");
    return c;
  }
  bool numeric = !t.empty() &&
                 std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!numeric || t.size() > 6)
    fail(ErrorCode::kInput, where, "label '" + t + "' is neither a wnid nor a class number");
  int v = std::stoi(t);
  if (!synset_map.empty()) {
    if (v < 1 || v > static_cast<int>(synset_map.size()))
      fail(ErrorCode::kInput, where, "id " + t + " is outside the synset map");
    return parse_label(synset_map[v - 1], {}, where);
  }
  if (v < 0 || v >= 1000) fail(ErrorCode::kInput, where, "class " + t + " is outside 0..999");
  return v;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail(ErrorCode::kInput, path, "cannot open");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    line = trim(line);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Synset map: one wnid per line (first token), in devkit id order.
std::vector<std::string> read_synset_map(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& l : read_lines(path)) {
    std::istringstream s(l);
    std::string tok;
    s >> tok;
    if (!looks_like_wnid(tok)) {  // tolerate "id<TAB>wnid" forms
      s >> tok;
      if (!looks_like_wnid(tok)) fail(ErrorCode::kInput, path, "line '" + l + "' has no wnid");
    }
    out.push_back(tok);
  }
  return out;
}

void load_class_folders(Dataset& d, const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    int c = parse_label(dir.filename().string(), {}, dir.string());
    for (const auto& p : sorted_images(dir)) d.items.push_back({p.string(), c});
  }
}

void load_ground_truth(Dataset& d, const fs::path& root, const DatasetOptions& opt) {
  std::vector<std::string> map;
  if (!opt.synset_map.empty()) map = read_synset_map(opt.synset_map);
  auto images = sorted_images(root);
  auto lines = read_lines(opt.ground_truth);
  bool per_line_names = !lines.empty() && lines[0].find_first_of(" \t,") != std::string::npos;
  if (!per_line_names) {
    if (lines.size() != images.size())
      fail(ErrorCode::kInput, opt.ground_truth,
           std::to_string(lines.size()) + " labels for " + std::to_string(images.size()) +
               " images in " + root.string());
    for (size_t i = 0; i < images.size(); ++i)
      d.items.push_back({images[i].string(), parse_label(lines[i], map, opt.ground_truth)});
    return;
  }
  std::map<std::string, int> by_name;
  for (const auto& l : lines) {
    size_t cut = l.find_first_of(" \t,");
    by_name[trim(l.substr(0, cut))] = parse_label(l.substr(cut + 1), map, opt.ground_truth);
  }
  for (const auto& p : images) {
    auto it = by_name.find(p.filename().string());
    if (it == by_name.end()) it = by_name.find(p.stem().string());
    if (it == by_name.end())
      fail(ErrorCode::kInput, opt.ground_truth, "no label for " + p.filename().string());
    d.items.push_back({p.string(), it->second});
  }
}

void load_wnid_prefix(Dataset& d, const fs::path& root) {
  for (const auto& p : sorted_images(root)) {
    std::string name = p.filename().string();
    std::string wnid = name.substr(0, name.find('_'));
    if (!looks_like_wnid(wnid))
      fail(ErrorCode::kInput, p.string(), "file name does not start with a wnid (nXXXXXXXX_)");
    d.items.push_back({p.string(), parse_label(wnid, {}, p.string())});
  }
}

void load_csv(Dataset& d, const fs::path& csv) {
  auto lines = read_lines(csv.string());
  fs::path base = csv.parent_path();
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t cut = lines[i].rfind(',');
    if (cut == std::string::npos)
      fail(ErrorCode::kInput, csv.string(), "line " + std::to_string(i + 1) + " is not path,label");
    std::string path = trim(lines[i].substr(0, cut)), label = trim(lines[i].substr(cut + 1));
    if (i == 0 && (label == "label" || label == "class")) continue;  // header
    fs::path p = fs::path(path).is_absolute() ? fs::path(path) : base / path;
    d.items.push_back(
        {p.string(), parse_label(label, {}, csv.string() + ":" + std::to_string(i + 1))});
  }
}

}  // namespace

int imagenet_class_of_wnid(const std::string& wnid) {
  const auto& w = imagenet_wnids();
  auto it = std::lower_bound(w.begin(), w.end(), wnid,
                             [](const char* a, const std::string& b) { return a < b; });
  return it != w.end() && wnid == *it ? static_cast<int>(it - w.begin()) : -1;
}

Dataset load_dataset(const std::string& path, const DatasetOptions& opt) {
  Dataset d;
  d.root = path;
  std::error_code ec;
  fs::path root(path);
  if (!fs::exists(root, ec)) fail(ErrorCode::kInput, path, "dataset not found");
  if (fs::is_regular_file(root, ec)) {
    d.layout = "csv";
    load_csv(d, root);
  } else if (!opt.ground_truth.empty()) {
    d.layout = "ground-truth";
    load_ground_truth(d, root, opt);
  } else {
    bool has_class_dirs = false;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory() && looks_like_wnid(e.path().filename().string())) has_class_dirs = true;
    if (has_class_dirs) {
      d.layout = "class-folders";
      load_class_folders(d, root);
    } else {
      d.layout = "wnid-prefix";
      load_wnid_prefix(d, root);
    }
  }
  if (d.items.empty())
    fail(ErrorCode::kInput, path, "dataset is empty (no .JPEG/.jpg/.png/.bmp images)");
  std::sort(d.items.begin(), d.items.end(),
            [](const DatasetItem& a, const DatasetItem& b) { return a.path < b.path; });
  Sha256 h;
  for (const auto& it : d.items) {
    std::string rel = fs::path(it.path)
                          .lexically_relative(
                              root.has_filename() && d.layout == "csv" ? root.parent_path() : root)
                          .string();
    std::string line = rel + "\t" + std::to_string(it.label) + "\n";
    h.update(line.data(), line.size());
  }
  d.list_hash = h.hex_digest();
  return d;
}

void select_items(Dataset& ds, int64_t skip, int64_t limit) {
  if (skip < 0 || limit < 0) fail(ErrorCode::kUsage, "", "--skip and --limit take counts >= 0");
  if (static_cast<size_t>(skip) >= ds.items.size())
    fail(ErrorCode::kUsage, ds.root,
         "--skip " + std::to_string(skip) + " leaves none of the dataset's " +
             std::to_string(ds.items.size()) + " images");
  ds.items.erase(ds.items.begin(), ds.items.begin() + skip);
  if (limit > 0 && static_cast<size_t>(limit) < ds.items.size())
    ds.items.resize(static_cast<size_t>(limit));
}

std::vector<std::string> list_images(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(ErrorCode::kInput, dir, "not a folder");
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && is_image_name(it->path())) out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace edgebench
