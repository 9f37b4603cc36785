// The packed-weight cache's reader on arbitrary bytes: never reads outside
// them, and every entry it accepts lies inside them, after its table.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "backends/cpu/pack_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using edgebench::cpu::PackCache;
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  std::unordered_map<std::string, PackCache::Entry> entries;
  for (const std::string key : {"key", ""}) {
    PackCache::parse(bytes, size, key, entries);
    for (const auto& [name, e] : entries)
      if (e.bytes < bytes || e.size > size || e.bytes + e.size > bytes + size) std::abort();
  }
  return 0;
}
