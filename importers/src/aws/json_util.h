#pragma once
// JSON reading for the AWS family (private to importers): parsing with
// located errors, RFC 6901 pointers, typed member access that reports
// schema violations at a pointer, and locating pointers back to lines.

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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

inline constexpr size_t kMaxJsonDepth = 256;

std::string pointer_child(const std::string& base, std::string_view key);
std::string pointer_index(const std::string& base, size_t index);

// 1-based line and column of byte `offset` in `text`.
std::pair<uint32_t, uint32_t> line_column(std::string_view text, size_t offset);

// Parses a whole JSON document. Malformed input (or nesting deeper than
// kMaxJsonDepth) is RP3101 at FILE:LINE:COL.
std::optional<Json> parse_json(std::string_view text, const std::string& file, core::Diagnostics& diags);

// Sets line and column of every NativeJson origin of `file` (in the
// fragment and in the diagnostics) from the text the pointers point into.
void locate_origins(std::string_view text, const std::string& file, core::ImportResult& result);

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
