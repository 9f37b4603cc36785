#include "util/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "util/error.h"

namespace edgebench {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;                // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;  // numpy's spare room for the first dimension

std::optional<DType> dtype_from_descr(const std::string& d) {
  // Little-endian or byte-sized only; '=' is native, which is little-endian here.
  if (d == "<f4" || d == "=f4") return DType::kF32;
  if (d == "<f2" || d == "=f2") return DType::kF16;
  if (d == "|u1" || d == "<u1" || d == "=u1" || d == ">u1") return DType::kU8;
  if (d == "|i1" || d == "<i1" || d == "=i1" || d == ">i1") return DType::kI8;
  if (d == "<i4" || d == "=i4") return DType::kI32;
  if (d == "<i8" || d == "=i8") return DType::kI64;
  return std::nullopt;
}

std::string descr(DType t, const std::string& path) {
  switch (t) {
    case DType::kF32: return "<f4";
    case DType::kF16: return "<f2";
    case DType::kU8: return "|u1";
    case DType::kI8: return "|i1";
    case DType::kI32: return "<i4";
    case DType::kI64: return "<i8";
    case DType::kBF16: break;
  }
  fail(ErrorCode::kInput, path, std::string(dtype_name(t)) + " has no .npy dtype");
}

std::string shape_repr(const Shape& s) {  // Python's repr of a tuple
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  if (s.size() == 1) r += ",";
  return r + ")";
}

// The value text after 'key': in the header dict, up to the next top-level ','.
std::string dict_value(const std::string& h, const std::string& key, const std::string& where) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) k = h.find("\"" + key + "\"");
  if (k == std::string::npos) fail(ErrorCode::kInput, where, "npy header has no '" + key + "'");
  size_t colon = h.find(':', k + key.size() + 2);
  if (colon == std::string::npos) fail(ErrorCode::kInput, where, "malformed npy header");
  size_t i = colon + 1;
  while (i < h.size() && h[i] == ' ') ++i;
  size_t j = i;
  if (j < h.size() && h[j] == '(') {
    j = h.find(')', j);
    if (j == std::string::npos) fail(ErrorCode::kInput, where, "malformed npy shape");
    return h.substr(i, j + 1 - i);
  }
  while (j < h.size() && h[j] != ',' && h[j] != '}') ++j;
  std::string v = h.substr(i, j - i);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

Shape parse_shape(const std::string& v, const std::string& where) {
  Shape s;
  size_t i = 1;  // after '('
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == ',')) ++i;
    if (i >= v.size() || v[i] == ')') break;
    size_t j = i;
    while (j < v.size() && v[j] >= '0' && v[j] <= '9') ++j;
    if (j == i || j - i > 12) fail(ErrorCode::kInput, where, "bad npy shape " + v);
    s.push_back(std::stoll(v.substr(i, j - i)));
    i = j;
  }
  return s;
}

uint32_t read_le(const std::byte* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

std::string npy_header(DType dtype, const Shape& shape) {
  std::string dict = "{'descr': '" + descr(dtype, "") +
                     "', 'fortran_order': False, 'shape': " + shape_repr(shape) + ", }";
  if (!shape.empty()) {
    const size_t digits = std::to_string(shape[0]).size();
    if (digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // Version 1 stores the header length in 2 bytes, version 2 in 4.
  for (int version : {1, 2}) {
    const size_t len_bytes = version == 1 ? 2 : 4;
    const size_t hlen = dict.size() + 1;  // + '\n'
    const size_t padlen = kAlign - ((kMagicLen + 2 + len_bytes + hlen) % kAlign);
    const size_t total = hlen + padlen;
    if (version == 1 && total >= 65536) continue;
    std::string out(kMagic, kMagicLen);
    out += static_cast<char>(version);
    out += '\0';
    for (size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((total >> (8 * i)) & 0xff);
    out += dict;
    out.append(padlen, ' ');
    out += '\n';
    return out;
  }
  fail(ErrorCode::kInput, "", "npy header too large");
}

NpyArray parse_npy(const std::byte* bytes, size_t size, const std::string& where) {
  if (size < kMagicLen + 4 || std::memcmp(bytes, kMagic, kMagicLen) != 0)
    fail(ErrorCode::kInput, where, "not a .npy file");
  const int major = static_cast<int>(bytes[kMagicLen]);
  if (major < 1 || major > 3)
    fail(ErrorCode::kInput, where, "unsupported .npy version " + std::to_string(major));
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicLen + 2 + len_bytes;
  if (size < prefix) fail(ErrorCode::kInput, where, "truncated .npy header");
  const size_t header_len = read_le(bytes + kMagicLen + 2, len_bytes);
  if (size < prefix + header_len) fail(ErrorCode::kInput, where, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes) + prefix, header_len);

  std::string d = dict_value(header, "descr", where);
  if (d.size() < 2 || (d.front() != '\'' && d.front() != '"'))
    fail(ErrorCode::kInput, where, "bad npy descr " + d);
  d = d.substr(1, d.size() - 2);
  const std::optional<DType> dtype = dtype_from_descr(d);
  if (!dtype) fail(ErrorCode::kInput, where, "unsupported npy dtype '" + d + "'");
  if (dict_value(header, "fortran_order", where) != "False")
    fail(ErrorCode::kInput, where, "Fortran-order arrays are not supported");
  const std::string sv = dict_value(header, "shape", where);
  if (sv.empty() || sv.front() != '(') fail(ErrorCode::kInput, where, "bad npy shape " + sv);

  NpyArray a;
  a.dtype = *dtype;
  a.shape = parse_shape(sv, where);
  int64_t elements = 1;
  for (int64_t dim : a.shape) {
    if (dim > (int64_t{1} << 40) || (dim > 0 && elements > (int64_t{1} << 40) / dim))
      fail(ErrorCode::kInput, where, "npy shape " + sv + " is too large");
    elements *= dim;
  }
  const size_t data_bytes = static_cast<size_t>(elements) * dtype_size(a.dtype);
  const size_t available = size - prefix - header_len;
  if (available != data_bytes)
    fail(ErrorCode::kInput, where,
         "holds " + std::to_string(available) + " data bytes, its header (" + d + " " + sv +
             ") needs " + std::to_string(data_bytes));
  a.data.assign(bytes + prefix + header_len, bytes + size);
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(ErrorCode::kInput, path, "cannot open");
  std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) fail(ErrorCode::kInput, path, "read error");
  return parse_npy(reinterpret_cast<const std::byte*>(raw.data()), raw.size(), path);
}

NpyArray read_npy(const std::string& path, DType dtype, const Shape& shape) {
  NpyArray a = read_npy(path);
  if (a.dtype != dtype)
    fail(ErrorCode::kInput, path,
         "dtype " + std::string(dtype_name(a.dtype)) + ", expected " +
             std::string(dtype_name(dtype)));
  if (a.shape != shape)
    fail(ErrorCode::kInput, path, "shape " + shape_str(a.shape) + ", expected " + shape_str(shape));
  return a;
}

void write_npy(const std::string& path, DType dtype, const Shape& shape, const void* data,
               size_t bytes) {
  for (int64_t d : shape)
    if (d < 0) fail(ErrorCode::kInput, path, "negative dimension in " + shape_str(shape));
  const size_t want = static_cast<size_t>(shape_elements(shape)) * dtype_size(dtype);
  if (bytes != want)
    fail(ErrorCode::kInput, path,
         std::to_string(bytes) + " bytes given for " + std::string(dtype_name(dtype)) + " " +
             shape_str(shape) + " (" + std::to_string(want) + " bytes)");
  std::string header;
  try {
    header = npy_header(dtype, shape);
  } catch (const Error& e) {
    fail(ErrorCode::kInput, path, e.what());
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(ErrorCode::kInput, path, "cannot create");
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (bytes) f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  f.close();
  if (!f) fail(ErrorCode::kInput, path, "write error");
}

void write_npy(const std::string& path, const NpyArray& a) {
  write_npy(path, a.dtype, a.shape, a.data.data(), a.data.size());
}

}  // namespace edgebench
