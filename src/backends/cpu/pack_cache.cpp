#include "backends/cpu/pack_cache.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "util/sha256.h"

namespace edgebench::cpu {
namespace {

constexpr char kMagic[8] = {'E', 'B', 'P', 'A', 'C', 'K', '1', '\n'};
constexpr size_t kNameBytes = 64;  // SHA-256, hex
constexpr size_t kAlign = 64;      // what oneDNN aligns its own packed weights to

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

void warn(const std::string& path, const std::string& what) {
  std::fprintf(stderr, "edgebench: packed-weight cache %s: %s\n", path.c_str(), what.c_str());
}

// Bounds-checked reads from a file that may be anything.
struct Reader {
  const std::byte* p;
  size_t size, at = 0;
  bool take(void* out, size_t n) {
    if (n > size - at) return false;
    std::memcpy(out, p + at, n);
    at += n;
    return true;
  }
};

}  // namespace

PackCache::PackCache(const std::string& dir, const std::string& stem, std::string key)
    : key_(std::move(key)) {
  path_ = (std::filesystem::path(dir) /
           (stem + "-" + sha256_hex(key_.data(), key_.size()).substr(0, 16) + ".ebpack"))
              .string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) return;  // first load: written by save()
  try {
    file_ = MappedFile::open(path_, ErrorCode::kInput, /*populate=*/true);
  } catch (const Error& e) {  // it names the file
    std::fprintf(stderr, "edgebench: packed-weight cache %s (packing the weights instead)\n",
                 e.what());
    return;
  }
  read();
}

std::string PackCache::parse(const std::byte* bytes, size_t n, const std::string& key,
                             std::unordered_map<std::string, Entry>& entries) {
  entries.clear();
  Reader r{bytes, n};
  char magic[sizeof kMagic];
  uint64_t key_size = 0, count = 0;
  if (!r.take(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 ||
      !r.take(&key_size, sizeof key_size) || key_size > r.size - r.at)
    return "not a packed-weight cache";
  // Another configuration's file under the same name (a hash collision) is
  // not ours: rewritten like a damaged one, without a word.
  if (key_size != key.size() || std::memcmp(r.p + r.at, key.data(), key.size()) != 0) return "";
  r.at += key_size;
  if (!r.take(&count, sizeof count) || count > (r.size - r.at) / (kNameBytes + 16))
    return "truncated";
  const size_t table_end = r.at + count * (kNameBytes + 16);
  for (uint64_t i = 0; i < count; ++i) {
    char name[kNameBytes];
    uint64_t offset = 0, size = 0;
    r.take(name, kNameBytes);
    r.take(&offset, sizeof offset);
    r.take(&size, sizeof size);
    if (offset % kAlign != 0 || offset < table_end || offset > r.size || size > r.size - offset) {
      entries.clear();
      return "an entry points outside its packed bytes";
    }
    entries[std::string(name, kNameBytes)] = {r.p + offset, static_cast<size_t>(size)};
  }
  return "";
}

void PackCache::read() {
  const std::string why =
      parse(reinterpret_cast<const std::byte*>(file_->data()), file_->size(), key_, found_);
  if (!why.empty()) warn(path_, why + " (it will be rewritten)");
  if (found_.empty()) file_.reset();
}

const std::byte* PackCache::find(const std::string& what, size_t size) {
  const std::string name = sha256_hex(what.data(), what.size());
  const auto it = found_.find(name);
  if (it == found_.end() || it->second.size != size) return nullptr;
  used_.emplace_back(name, it->second);
  ++hits_;
  return it->second.bytes;
}

void PackCache::add(const std::string& what, const std::byte* bytes, size_t size) {
  used_.emplace_back(sha256_hex(what.data(), what.size()), Entry{bytes, size});
  ++misses_;
}

void PackCache::save() {
  if (misses_ == 0) return;
  const uint64_t key_size = key_.size(), count = used_.size();
  size_t offset = align_up(sizeof kMagic + 8 + key_.size() + 8 + used_.size() * (kNameBytes + 16));
  std::string header(kMagic, sizeof kMagic);
  header.append(reinterpret_cast<const char*>(&key_size), 8);
  header += key_;
  header.append(reinterpret_cast<const char*>(&count), 8);
  std::vector<uint64_t> offsets;
  for (const auto& [name, e] : used_) {
    const uint64_t at = offset, size = e.size;
    header += name;
    header.append(reinterpret_cast<const char*>(&at), 8);
    header.append(reinterpret_cast<const char*>(&size), 8);
    offsets.push_back(at);
    offset = align_up(offset + e.size);
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  // A name of our own, then renamed over the file: a concurrent load reads
  // the old file or the new one, never half of one.
  const std::string tmp = path_ + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    size_t at = header.size();
    static const std::vector<char> zeros(kAlign, 0);
    for (size_t i = 0; i < used_.size() && out; ++i) {
      out.write(zeros.data(), static_cast<std::streamsize>(offsets[i] - at));
      out.write(reinterpret_cast<const char*>(used_[i].second.bytes),
                static_cast<std::streamsize>(used_[i].second.size));
      at = offsets[i] + used_[i].second.size;
    }
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      warn(path_, "cannot write (the model is loaded without it)");
      return;
    }
  }
  std::filesystem::rename(tmp, path_, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    warn(path_, "cannot write: " + ec.message() + " (the model is loaded without it)");
  }
}

}  // namespace edgebench::cpu
