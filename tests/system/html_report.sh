#!/usr/bin/env bash
# The HTML report of examples/baota as people see it: rendered by rampart,
# checked for structure (well formed, self-contained, the findings present,
# the pictures inlined as SVG when Graphviz is installed), then opened in
# headless Chromium, which takes a screenshot (kept in ARTIFACTS) and dumps
# the DOM it built, whose text must carry the expected findings.
# Exit 77 (skipped) when Chromium is not installed or cannot run; the
# structural check runs first either way and fails the test on its own.
#   html_report.sh RAMPART SOURCE_DIR ARTIFACTS
set -euo pipefail
rampart=$(realpath "$1")
source_dir=$(realpath "$2")
artifacts=$3
mkdir -p "$artifacts"
artifacts=$(realpath "$artifacts")
cd "$source_dir"

status=0
"$rampart" conflicts --format html examples/baota/policy.rampart > "$artifacts/baota-conflicts.html" || status=$?
[[ $status -eq 1 ]] || { echo "rampart conflicts exited $status, expected 1 (a conflict)"; exit 1; }
status=0
"$rampart" check --format html examples/baota/policy.rampart > "$artifacts/baota-check.html" || status=$?
[[ $status -eq 1 ]] || { echo "rampart check exited $status, expected 1 (no conflicts on web1 is violated)"; exit 1; }
"$rampart" conflicts --format dot examples/baota/policy.rampart > "$artifacts/baota.dot" || true

have_dot=0
if command -v "${RAMPART_DOT:-dot}" > /dev/null; then have_dot=1; fi

# 1. Structure, without a browser.
python3 - "$have_dot" "$artifacts/baota-conflicts.html" "$artifacts/baota-check.html" <<'PY'
import os
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "link", "input", "wbr", "col"}

class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.text = [], [], {}, []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name.startswith("on") or name in ("src",) or (name.endswith("href") and not (value or "").startswith("#")):
                self.errors.append(f"{self.getpos()}: <{tag} {name}> reaches out of the page or runs code")
        if tag in ("script", "iframe", "object", "embed", "link", "img", "foreignobject"):
            self.errors.append(f"{self.getpos()}: <{tag}> has no place in a self-contained report")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"{self.getpos()}: </{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)

have_dot = sys.argv[1] == "1"
failed = False
for path in sys.argv[2:]:
    page = open(path, encoding="utf-8").read()
    p = Strict()
    p.feed(page)
    p.close()
    problems = list(p.errors)
    if p.stack:
        problems.append(f"never closed: {p.stack}")
    if "url(" in page or "@import" in page:
        problems.append("the CSS refers to something outside the page")
    text = " ".join(" ".join(p.text).split())
    # examples/baota's conflict: nginx's www workers cannot connect to
    # php-fpm's socket (nobody 0660), fixed by an ACL entry.
    expected = ["Summary", "Host web1", "/tmp/php-cgi-74.sock", "denied", "setfacl -m u:www:w /tmp/php-cgi-74.sock"]
    if os.path.basename(path).endswith("-check.html"):
        expected += ["no conflicts on web1", "reach internet -> web1 tcp/443", "violated", "holds"]
    else:
        expected += ["access-denied", "Fix (verified)", "nginx www:www connect denied", "files with a denied access 1"]
    for e in expected:
        if e not in text:
            problems.append(f"the page's text lacks {e!r}")
    svgs = p.tags.get("svg", 0)
    if have_dot and svgs != 1:
        problems.append(f"{svgs} <svg> elements, expected one picture (Graphviz is installed)")
    if not have_dot and svgs != 0:
        problems.append("an <svg> without Graphviz")
    if not have_dot and "picture-file" not in page:
        problems.append("no table fallback for the picture")
    for pr in problems:
        print(f"{path}: {pr}")
    failed |= bool(problems)
    print(f"{path}: {'FAILED' if problems else 'well formed'}; {svgs} svg; {len(page)} bytes")
sys.exit(1 if failed else 0)
PY

# 2. In a real browser.
chromium=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" > /dev/null; then chromium=$(command -v "$c"); break; fi
done
if [[ -z "$chromium" ]]; then
  echo "SKIPPED: Chromium is not installed (apt-get install chromium); the structural check passed"
  exit 77
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --user-data-dir="$profile"
       # Any fetch would fail: the page must not need one.
       --host-resolver-rules="MAP * ~NOTFOUND")
url="file://$artifacts/baota-check.html"
rm -f "$artifacts/baota-check.png"
if ! timeout 120 "$chromium" "${flags[@]}" --window-size=1280,2400 --screenshot="$artifacts/baota-check.png" "$url" \
     > "$artifacts/chromium-screenshot.log" 2>&1 || [[ ! -s "$artifacts/baota-check.png" ]]; then
  echo "SKIPPED: Chromium did not run here (see $artifacts/chromium-screenshot.log); the structural check passed"
  tail -5 "$artifacts/chromium-screenshot.log"
  exit 77
fi
if [[ "$(head -c 8 "$artifacts/baota-check.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]]; then
  echo "the screenshot is not a PNG"; exit 1
fi
timeout 120 "$chromium" "${flags[@]}" --dump-dom "$url" > "$artifacts/baota-check.dom.html" 2> "$artifacts/chromium-dom.log"
python3 - "$have_dot" "$artifacts/baota-check.dom.html" <<'PY'
import sys, re
from html.parser import HTMLParser
class Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.svg, self.skip = [], 0, 0
    def handle_starttag(self, tag, attrs):
        if tag == "svg": self.svg += 1
        if tag == "style": self.skip += 1
    def handle_endtag(self, tag):
        if tag == "style": self.skip -= 1
    def handle_data(self, d):
        if not self.skip: self.parts.append(d)
t = Text()
t.feed(open(sys.argv[2], encoding="utf-8").read())
text = " ".join(" ".join(t.parts).split())
expected = [
    "rampart check", "Host web1",
    "no conflicts on web1", "violated",
    "reach internet -> web1 tcp/443", "holds",
    "/tmp/php-cgi-74.sock", "denied", "setfacl -m u:www:w /tmp/php-cgi-74.sock",
    "not can ops read",
]
missing = [e for e in expected if e not in text]
if sys.argv[1] == "1" and t.svg != 1:
    missing.append("the picture (one <svg> in the DOM)")
if sys.argv[1] == "1" and "service nginx" not in text:
    missing.append("the picture's labels (service nginx)")
m = re.search(r"holds\s+(\d+)\s+violated\s+(\d+)\s+unknown\s+(\d+)", text)
if not m:
    missing.append("the summary counts")
else:
    print("summary in the browser: holds %s, violated %s, unknown %s" % m.groups())
    if int(m.group(2)) < 1:
        missing.append("a violated count of at least one")
for e in missing:
    print("the page Chromium built lacks", repr(e))
sys.exit(1 if missing else 0)
PY
echo "screenshot: $artifacts/baota-check.png ($(stat -c %s "$artifacts/baota-check.png") bytes)"
