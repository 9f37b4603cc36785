// A file of packed weights, so that loading a model again maps them instead of
// converting and packing them: for the part of a load that grows with the
// weights, what OpenVINO's model cache and TensorRT's serialized engines do.
// Kernels are still compiled (oneDNN 2.6 cannot store its JIT code).
//
// One file per model and configuration (BackendOptions::cache_dir): an entry
// per packed constant, named by the constant and the layout it was packed
// into, never by its bytes, which a cache hit does not read. A model file
// that changes (size, mtime, ctime, inode) gets another key, so a stale entry
// is never found. A missing, damaged or foreign file is not an error: the
// weights are packed as without a cache and the file is written anew.
//
// Layout (native byte order; the key names the machine it was written on):
//   "EBPACK1\n", u64 key length, key, u64 entry count,
//   entries {char name[64] (SHA-256 hex), u64 offset, u64 size},
//   the packed bytes, each at a 64-byte-aligned offset.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/mapped_file.h"

namespace edgebench::cpu {

class PackCache {
 public:
  // The file for `key` in `dir`, named after `stem` (the model's file name)
  // and the key's hash; an earlier load's entries are mapped in now.
  PackCache(const std::string& dir, const std::string& stem, std::string key);

  const std::string& path() const { return path_; }

  // The bytes cached for `what` (a constant in one layout), `size` of them;
  // nullptr when the file has none.
  const std::byte* find(const std::string& what, size_t size);
  // Bytes packed for `what` because the file had none; they must stay alive
  // until save().
  void add(const std::string& what, const std::byte* bytes, size_t size);
  // When add() was called: writes the file anew (the entries found and added
  // during this load), atomically. A failure to write is reported on stderr
  // and otherwise ignored: the model is loaded all the same.
  void save();
  // Keeps the mapped entries alive (the packed weights of a model that uses them).
  std::shared_ptr<const void> owner() const { return file_; }

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

  struct Entry {
    const std::byte* bytes;
    size_t size;
  };
  // The entries of a cache file's `n` bytes written for `key` (any bytes:
  // fuzzed). Returns why they are not such a file ("" when they are, or are
  // another key's file: then no entries).
  static std::string parse(const std::byte* bytes, size_t n, const std::string& key,
                           std::unordered_map<std::string, Entry>& entries);

 private:
  void read();  // the mapped file's entries, if it is one of ours for key_

  std::string path_;
  std::string key_;
  std::shared_ptr<const MappedFile> file_;
  std::unordered_map<std::string, Entry> found_;     // in the file, by name
  std::vector<std::pair<std::string, Entry>> used_;  // this load's, in order
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace edgebench::cpu
