#pragma once
// Diagnostic codes of the language (docs/diagnostics.md). Stable: never reuse
// or renumber a code; add new ones at the end of their block.

namespace rampart::dsl::codes {

// Files and input
inline constexpr const char* kCannotRead = "RP0001";
inline constexpr const char* kIncludeCycle = "RP0002";
inline constexpr const char* kInputTooLarge = "RP0003";
inline constexpr const char* kNestingTooDeep = "RP0004";

// Syntax
inline constexpr const char* kSyntax = "RP1001";
inline constexpr const char* kBadCharacter = "RP1002";
inline constexpr const char* kBadString = "RP1003";

// Names
inline constexpr const char* kUndefined = "RP2001";
inline constexpr const char* kDuplicate = "RP2002";
inline constexpr const char* kWrongKind = "RP2003";
inline constexpr const char* kCycle = "RP2004";
inline constexpr const char* kAmbiguous = "RP2005";

// Values
inline constexpr const char* kBadAddress = "RP2101";
inline constexpr const char* kBadPort = "RP2102";
inline constexpr const char* kBadProtocol = "RP2103";
inline constexpr const char* kBadNumber = "RP2104";
inline constexpr const char* kMixedFamilies = "RP2105";
inline constexpr const char* kEmptySet = "RP2106";
inline constexpr const char* kBadPath = "RP2107";
inline constexpr const char* kBadMode = "RP2108";
inline constexpr const char* kBadAcl = "RP2109";
inline constexpr const char* kBadCapability = "RP2110";

// Firewalls and hosts
inline constexpr const char* kBadCombining = "RP2201";
inline constexpr const char* kBadRule = "RP2202";
inline constexpr const char* kBadListener = "RP2203";
// RP2204 (bad layer) is retired: a wrong layer member is RP2001, RP2003 or RP2302.
inline constexpr const char* kBadInterface = "RP2205";

// Imports
inline constexpr const char* kUnknownFormat = "RP2301";
inline constexpr const char* kUnknownObject = "RP2302";
inline constexpr const char* kImportFailed = "RP2303";
inline constexpr const char* kImportDisagrees = "RP2304";

// Questions
inline constexpr const char* kBadQuestion = "RP2401";
// RP2402 (not supported yet) is retired: every reserved statement now has a meaning.

// SELinux in the language (RP3510-RP3519; the importers' own are RP3501-RP3509)
inline constexpr const char* kSelinuxBoolean = "RP3510";
inline constexpr const char* kSelinuxSetting = "RP3511";
inline constexpr const char* kSelinuxTwoPolicies = "RP3512";
inline constexpr const char* kSelinuxUnknownName = "RP3513";
inline constexpr const char* kSelinuxBadLabel = "RP3514";
inline constexpr const char* kSelinuxBadDomain = "RP3515";
inline constexpr const char* kSelinuxNoPolicy = "RP3516";
inline constexpr const char* kSelinuxDomainSubject = "RP3517";

}  // namespace rampart::dsl::codes
