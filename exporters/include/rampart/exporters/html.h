#pragma once
// One self-contained HTML page for people (auditors, reviewers): inline CSS,
// no script, no external fetch. A summary of the counts, the problems in the
// input, then a section per host with a table of every answer and finding
// (each with its trace through the layers or the check that denied), the
// per-file conflict tables, and the host's picture: inline SVG when the
// caller drew it (e.g. with Graphviz), otherwise the same graph as tables.

#include <string>
#include <vector>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"
#include "rampart/exporters/picture.h"

namespace rampart::exporters {

struct HtmlPicture {
  HostPicture picture;
  // SVG markup to inline (an <svg> element: no prolog, no DOCTYPE, no script),
  // or empty: the picture is shown as tables.
  std::string svg;
  std::string note;  // for people, e.g. why there is no drawing
};

struct HtmlInput {
  const core::Report* report = nullptr;
  // The policy the report is about (the new one for a diff); may be null when
  // loading failed. Used to attribute answers and findings to hosts.
  const core::Policy* policy = nullptr;
  std::vector<HtmlPicture> pictures;  // one per host, in the policy's order
  std::string version;                // rampart's version, for the footer
};

std::string render_html(const HtmlInput& input);

// Whether `svg` is acceptable for render_html: a single <svg> element with
// no script, no event handler, no foreign object and no external reference.
bool is_inline_safe_svg(const std::string& svg);

// Graphviz's SVG output reduced to its <svg> element (the XML prolog,
// DOCTYPE and leading comments dropped); empty if there is none.
std::string svg_element(const std::string& graphviz_output);

}  // namespace rampart::exporters
