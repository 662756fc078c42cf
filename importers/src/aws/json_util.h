#pragma once
// JSON reading for the AWS family (private to importers): parsing with
// located errors, RFC 6901 pointers, typed member access that reports
// schema violations at a pointer, and locating pointers back to lines.

#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json_nesting.h"
#include "rampart/core/address.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/origin.h"

namespace rampart::importers::aws {

using Json = nlohmann::json;

// Diagnostic codes of the AWS family (docs/diagnostics.md).
namespace codes {
inline constexpr const char* kMalformedJson = "RP3101";
inline constexpr const char* kSchema = "RP3102";
inline constexpr const char* kUnknownKey = "RP3103";
inline constexpr const char* kUnresolved = "RP3104";
inline constexpr const char* kNoInput = "RP3105";
inline constexpr const char* kInconsistent = "RP3106";
inline constexpr const char* kNotModelled = "RP3107";
inline constexpr const char* kPlanUnknown = "RP3108";
}  // namespace codes

using importers::kMaxJsonDepth;

std::string pointer_child(const std::string& base, std::string_view key);
std::string pointer_index(const std::string& base, size_t index);

// 1-based line and column of byte `offset` in `text`.
std::pair<uint32_t, uint32_t> line_column(std::string_view text, size_t offset);

// Parses a whole JSON document. Malformed input (or nesting deeper than
// kMaxJsonDepth) is RP3101 at FILE:LINE:COL.
std::optional<Json> parse_json(std::string_view text, const std::string& file, core::Diagnostics& diags);

// Text read front to back with a few bytes of lookahead: a whole text in
// memory, or a stream read in chunks (bounded memory, for large files).
class TextSource {
 public:
  explicit TextSource(std::string_view text);
  explicit TextSource(std::istream& in);
  // Whether `k` more bytes are there to read (reading a chunk when needed).
  bool fill(size_t k);
  char at(size_t k) const { return buf_[pos_ + k]; }  // after fill(k + 1)
  void bump(size_t k = 1) { pos_ += k; }

 private:
  static constexpr size_t kChunk = 1 << 16;
  std::istream* in_ = nullptr;
  std::string storage_;
  std::string_view buf_;
  size_t pos_ = 0;
};

// Sets line and column of every NativeJson origin of `file` (in the
// fragment and in the diagnostics) from the text the pointers point into.
void locate_origins(std::string_view text, const std::string& file, core::ImportResult& result);
void locate_origins(TextSource& text, const std::string& file, core::ImportResult& result);

// The root object's members of a JSON file read by stream_json_file.
class JsonMembers {
 public:
  virtual ~JsonMembers() = default;
  // The document is not an object (`type_name` as nlohmann names types).
  virtual void root_not_object(const char* type_name) = 0;
  // The start of member `key`'s value. Returns whether the elements of the
  // value (when it is an array) are wanted.
  virtual bool begin_member(const std::string& key, const char* type_name, bool is_null, bool is_array) = 0;
  // One element of a wanted array, as a DOM of that element alone.
  virtual void element(const std::string& key, size_t index, const Json& value) = 0;
  // After the last element of a wanted array.
  virtual void end_member(const std::string& key) = 0;
};

// Reads the UTF-8 JSON file at `path` with bounded memory, in two
// streaming passes (nlohmann's SAX interface). The first checks it:
// malformed input, or nesting deeper than kMaxJsonDepth, is RP3101 at
// DISPLAY:LINE:COL exactly as parse_json reports it, nothing is handed over
// and the result is false. The second hands the root object's members to
// `members`, building a DOM of one array element at a time.
bool stream_json_file(const std::string& path, const std::string& display, JsonMembers& members,
                      core::Diagnostics& diags);

// Typed access to members, reporting at JSON pointers.
class Reader {
 public:
  Reader(std::string file, core::Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  const std::string& file() const { return file_; }
  core::Diagnostics& diags() { return diags_; }
  core::Origin at(const std::string& pointer) const { return core::Origin::native_json(file_, pointer); }

  void error(const std::string& pointer, std::string message);  // RP3102
  void warning(const char* code, const std::string& pointer, std::string message);

  // RP3103 for every key of `obj` not in the shape's list. Keys that start
  // with `_` are comments and ignored.
  void check_keys(const Json& obj, const std::string& pointer, std::string_view shape);
  void check_keys(const Json& obj, const std::string& pointer,
                  const std::set<std::string, std::less<>>& known, std::string_view what);

  bool is_object(const Json& v, const std::string& pointer, std::string_view what);
  // A member, or nullptr when absent or null.
  static const Json* member(const Json& obj, std::string_view key);

  std::optional<std::string> string(const Json& obj, const std::string& pointer, std::string_view key,
                                    bool required);
  std::optional<int64_t> integer(const Json& obj, const std::string& pointer, std::string_view key,
                                 bool required, int64_t lo, int64_t hi);
  std::optional<bool> boolean(const Json& obj, const std::string& pointer, std::string_view key,
                              bool required);
  // An array member; nullptr when absent (error when required) or of the wrong type.
  const Json* array(const Json& obj, const std::string& pointer, std::string_view key, bool required);
  // A CIDR block (host bits allowed, as AWS accepts them) of the family.
  std::optional<core::AddressSet> cidr(const Json& obj, const std::string& pointer, std::string_view key,
                                       bool required, std::optional<core::Family> family = std::nullopt);
  std::optional<core::AddressSet> cidr_text(const std::string& text, const std::string& pointer,
                                            std::optional<core::Family> family = std::nullopt);
  std::optional<core::Address> address(const Json& obj, const std::string& pointer, std::string_view key,
                                       bool required, std::optional<core::Family> family = std::nullopt);

 private:
  std::string file_;
  core::Diagnostics& diags_;
};

// A string member, or `fallback` when absent or not a string (never throws).
std::string text_or(const Json& obj, std::string_view key, const std::string& fallback = "");

// "10.0.0.0/16" -> its prefix length (0 when there is none: one address).
unsigned cidr_prefix(std::string_view text);

}  // namespace rampart::importers::aws
