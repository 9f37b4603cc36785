#include "importers/onnx/onnx_detach.h"

#include <vector>

namespace edgebench {
namespace {

// Field numbers of onnx.proto that lead to an initializer's bytes.
constexpr uint32_t kModelGraph = 7;           // ModelProto.graph
constexpr uint32_t kGraphInitializer = 5;     // GraphProto.initializer
constexpr uint32_t kTensorRawData = 9;        // TensorProto.raw_data
constexpr uint32_t kTensorExternalData = 13;  // TensorProto.external_data
constexpr uint32_t kTensorDataLocation = 14;  // TensorProto.data_location
constexpr uint64_t kExternal = 1;             // TensorProto.DataLocation.EXTERNAL
constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  size_t begin = 0;  // the tag's first byte
  size_t value = 0;  // a length-delimited field's payload
  size_t end = 0;    // one past the field
};

class Walker {
 public:
  explicit Walker(std::span<const uint8_t> bytes) : b_(bytes) {}

  bool varint(size_t& pos, size_t end, uint64_t& v) const {
    v = 0;
    for (int shift = 0; shift < 64 && pos < end; shift += 7) {
      const uint8_t c = b_[pos++];
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (c < 0x80) return true;
    }
    return false;
  }

  // The field starting at `pos` (< end); false on malformed data or groups.
  bool field(size_t pos, size_t end, Field& f) const {
    f.begin = pos;
    uint64_t tag = 0;
    if (!varint(pos, end, tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) return false;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wire = static_cast<uint32_t>(tag & 7);
    uint64_t n = 0;
    switch (f.wire) {
      case kVarint:
        if (!varint(pos, end, n)) return false;
        break;
      case kFixed64:
      case kFixed32:
        n = f.wire == kFixed64 ? 8 : 4;
        if (end - pos < n) return false;
        pos += n;
        break;
      case kLengthDelimited:
        if (!varint(pos, end, n) || n > end - pos) return false;
        f.value = pos;
        pos += n;
        break;
      default: return false;  // groups (deprecated) or invalid
    }
    f.end = pos;
    return true;
  }

  std::span<const uint8_t> bytes(size_t begin, size_t end) const {
    return b_.subspan(begin, end - begin);
  }

 private:
  std::span<const uint8_t> b_;
};

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::span<const uint8_t> b) {
  out.append(reinterpret_cast<const char*>(b.data()), b.size());
}

void put_message(std::string& out, uint32_t number, const std::string& payload) {
  put_varint(out, (uint64_t{number} << 3) | kLengthDelimited);
  put_varint(out, payload.size());
  out += payload;
}

void put_entry(std::string& out, const std::string& key, const std::string& value) {
  std::string e;
  put_message(e, 1, key);  // StringStringEntryProto.key
  put_message(e, 2, value);
  put_message(out, kTensorExternalData, e);
}

struct Detacher {
  const Walker& w;
  const std::string& location;
  size_t min_bytes;
  size_t detached = 0;

  // A TensorProto: its raw_data replaced, unless it is small, already external
  // or has raw_data more than once (protobuf's last-one-wins, kept as it is).
  bool tensor(size_t begin, size_t end, std::string& out) {
    std::vector<Field> fields;
    const Field* raw = nullptr;
    int raws = 0;
    bool external = false;
    for (size_t pos = begin; pos < end;) {
      Field f;
      if (!w.field(pos, end, f)) return false;
      pos = f.end;
      fields.push_back(f);
      if (f.number == kTensorRawData && f.wire == kLengthDelimited) ++raws;
      external = external || f.number == kTensorExternalData || f.number == kTensorDataLocation;
    }
    for (const Field& f : fields)
      if (f.number == kTensorRawData && f.wire == kLengthDelimited) raw = &f;
    if (!raw || raws != 1 || external || raw->end - raw->value < min_bytes) {
      put_bytes(out, w.bytes(begin, end));
      return true;
    }
    for (const Field& f : fields)
      if (&f != raw) put_bytes(out, w.bytes(f.begin, f.end));
    put_varint(out, (uint64_t{kTensorDataLocation} << 3) | kVarint);
    put_varint(out, kExternal);
    put_entry(out, "location", location);
    put_entry(out, "offset", std::to_string(raw->value));
    put_entry(out, "length", std::to_string(raw->end - raw->value));
    ++detached;
    return true;
  }

  // A message whose field `number` holds messages rewritten by `inner`; other
  // fields are copied as they are.
  template <typename Inner>
  bool message(size_t begin, size_t end, uint32_t number, Inner inner, std::string& out) {
    for (size_t pos = begin; pos < end;) {
      Field f;
      if (!w.field(pos, end, f)) return false;
      pos = f.end;
      if (f.number != number || f.wire != kLengthDelimited) {
        put_bytes(out, w.bytes(f.begin, f.end));
        continue;
      }
      std::string payload;
      if (!inner(f.value, f.end, payload)) return false;
      put_message(out, number, payload);
    }
    return true;
  }
};

}  // namespace

std::optional<std::string> detach_raw_data(std::span<const uint8_t> bytes,
                                           const std::string& location, size_t min_bytes) {
  const Walker w(bytes);
  Detacher d{w, location, min_bytes};
  const auto tensor = [&](size_t b, size_t e, std::string& out) { return d.tensor(b, e, out); };
  const auto graph = [&](size_t b, size_t e, std::string& out) {
    return d.message(b, e, kGraphInitializer, tensor, out);
  };
  std::string out;
  if (!d.message(0, bytes.size(), kModelGraph, graph, out) || d.detached == 0) return std::nullopt;
  return out;
}

}  // namespace edgebench
