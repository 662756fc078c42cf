#pragma once
// Shared pieces of the Windows importers (docs/importers/windows.md):
// diagnostic codes, text decoding (UTF-16 exports), Windows keywords and
// the normalisation of program paths and service accounts.

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/address.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/service.h"

namespace rampart::importers::windows {

// Diagnostic codes of the Windows family (docs/diagnostics.md, RP32xx).
namespace codes {
inline constexpr const char* kEncoding = "RP3201";  // not text in a known encoding
inline constexpr const char* kSyntax = "RP3202";    // the container: .reg lines, JSON, CSV, XML, text blocks
inline constexpr const char* kBadRule = "RP3203";   // a rule token or field with a bad or missing value
inline constexpr const char* kUnknownToken = "RP3204";  // (warning) a token or keyword rampart does not know
inline constexpr const char* kBadSetting = "RP3205";    // a profile setting with a bad value or type
inline constexpr const char* kEmpty = "RP3206";         // nothing of the format in the file
inline constexpr const char* kHive = "RP3207";          // libhivex cannot read the .wfw hive
inline constexpr const char* kBadEntry = "RP3208";      // a service, listener or binding with a bad value
inline constexpr const char* kNotModelled =
    "RP3209";  // (warning) something rampart treats as unknown or ignores
}  // namespace codes

// Decodes a native file to UTF-8: UTF-16LE or UTF-16BE with a byte order
// mark (what `reg export` and PowerShell 5.1 write), UTF-16LE without one
// (recognised by its zero bytes), or UTF-8 with or without a mark. Invalid
// input is RP3201 at the line where it starts being invalid.
std::optional<std::string> decode_text(std::string_view bytes, const std::string& file,
                                       core::Diagnostics& diags);

// The lines of a text, without their `\n` or `\r\n`.
std::vector<std::string_view> split_lines(std::string_view text);

std::string_view trim(std::string_view s);

// A JSON document (the PowerShell, services and listeners exports): nesting
// deeper than kMaxJsonDepth or malformed JSON is kSyntax at its line.
std::optional<nlohmann::json> parse_json(std::string_view body, const std::string& file,
                                         core::Diagnostics& diags);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
// Splits on `sep`, trimming each part; empty parts are kept.
std::vector<std::string> split(std::string_view s, char sep);
std::optional<uint64_t> to_number(std::string_view s, uint64_t max);

// A port or an inclusive port range (`80`, `5000-5010`); nullopt when the
// text is not one, with `error` saying why when it looks numeric.
std::optional<std::pair<uint16_t, uint16_t>> parse_port_range(std::string_view text, std::string& error);

// One IPv4 item of a Windows rule: an address, `A-B`, `A/PREFIX` or
// `A/MASK` (host bits are cleared, as Windows does). nullopt with `error`
// when the text is not one.
std::optional<core::AddressSet> parse_v4_item(std::string_view text, std::string& error);
std::optional<core::AddressSet> parse_v6_item(std::string_view text, std::string& error);
// Either family.
std::optional<core::AddressSet> parse_address_item(std::string_view text, std::string& error);

// Address keywords (MS-GPFAS 2.2.2.13, and the names PowerShell and netsh
// print). Returns the symbol rampart uses (the registry spelling:
// `LocalSubnet`, `DNS`, `DHCP`, `WINS`, `DefaultGateway`, `IntrAnet`,
// `IntErnet`, `Ply2Renders`, `RmtIntrAnet`, `CaptivePortal`) and, for
// PowerShell's `LocalSubnet4` / `DNS6` forms, the one family it is
// restricted to.
struct AddressKeyword {
  std::string symbol;
  std::optional<core::Family> family;
};
std::optional<AddressKeyword> address_keyword(std::string_view text);

// Port keywords (MS-GPFAS 2.2.2.3, PowerShell's and netsh's names): the
// registry spelling (`RPC`, `RPC-EPMap`, `Teredo`, `IPTLSIn`, `IPHTTPSIn`,
// `IPTLSOut`, `IPHTTPSOut`, `DHCP`, `Ply2Disc`, `mDNS`, `CortanaOut`,
// `TcpCDPSvc`).
std::optional<std::string> port_keyword(std::string_view text);

// A program path as rampart compares it: quotes removed, environment
// variables of a default installation expanded (%SystemRoot% and %windir%
// are C:\Windows, ...), `/` turned into `\`. `System` (the kernel, which
// owns http.sys listeners) stays `System`.
std::string normalise_program(std::string_view path);
// The executable of a service's command line (`BINARY_PATH_NAME`,
// Win32_Service `PathName`), normalised.
std::string executable_of(std::string_view command_line);

// A service account as rampart names it, with the uid and gid the model
// gives it (docs/importers/windows.md#accounts): LocalSystem is uid 0 (it
// holds every privilege, as root does), LocalService 19 and NetworkService
// 20 (the last part of their well-known SIDs), any other account 100000
// and up in the order the file names them.
struct Account {
  std::string name;  // empty: not known
  uint32_t uid = core::kNoId;
};
class Accounts {
 public:
  Account resolve(std::string_view start_name);
  const std::vector<Account>& named() const { return named_; }

 private:
  std::vector<Account> named_;
};

}  // namespace rampart::importers::windows
