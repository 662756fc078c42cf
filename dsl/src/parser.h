#pragma once
// Text -> AST. The only door to the ANTLR-generated parser.

#include <optional>
#include <string>
#include <string_view>

#include "ast.h"
#include "rampart/core/diagnostic.h"

namespace rampart::dsl {

// Each returns nothing when the text has syntax errors; every error found
// (the parser recovers and goes on) is added to `diags` with its location.
std::optional<ast::SourceFile> parse_source(std::string_view text, const std::string& file,
                                            core::Diagnostics& diags);
std::optional<ast::Question> parse_question_syntax(std::string_view text, const std::string& file,
                                                   core::Diagnostics& diags);
std::optional<ast::Packet> parse_packet_syntax(std::string_view text, const std::string& file,
                                               core::Diagnostics& diags);

// Inputs larger than this are refused before parsing (docs/language.md).
inline constexpr size_t kMaxSourceBytes = 64u << 20;
// Parenthesised address expressions nest at most this deep.
inline constexpr size_t kMaxNesting = 64;

}  // namespace rampart::dsl
