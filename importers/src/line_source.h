#pragma once
// Lines of a native text, from memory or from a file read in chunks, so a
// line-oriented importer reads a 1 GB file with a buffer the size of its
// longest line instead of the whole text (docs/performance.md, "Large
// inputs"). Private to the importers.

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "rampart/core/diagnostic.h"
#include "rampart/core/origin.h"

namespace rampart::importers {

// Whether a native file can be read, or reports why not (code RP0001) at
// `where`, in the words of read_native_file: what an importer that streams
// the file checks first (registry.cpp).
bool check_native_file(const std::string& path, const core::Origin& where, core::Diagnostics& diags);

struct TextLine {
  std::string_view text;  // valid until the next line is read
  uint32_t number = 0;    // from 1
};

class LineSource {
 public:
  struct Options {
    char end = '\n';           // '\0' for find -printf '...\0'
    bool strip_cr = true;      // drop one `\r` before the end of each line
    bool final_empty = false;  // after a last end of line, an empty last line
  };

  // A text in memory (not copied: it must outlive the source).
  LineSource(std::string_view text, Options options) : options_(options), view_(text), eof_(true) {
    skip_bom();
  }
  // A file, read in chunks; `ok()` says whether it could be opened.
  LineSource(const std::string& path, Options options)
      : options_(options), in_(path, std::ios::binary), eof_(!in_), opened_(in_.is_open()) {
    skip_bom();
  }

  bool ok() const { return opened_; }

  // The next line; false after the last.
  bool next(TextLine& line) {
    if (done_) return false;
    size_t from = pos_;
    for (;;) {
      size_t end = view_.find(options_.end, from);
      if (end != std::string_view::npos) {
        line.text = view_.substr(pos_, end - pos_);
        pos_ = end + 1;
        break;
      }
      if (!eof_) {
        from = view_.size() - pos_;
        refill();
        from += pos_;
        continue;
      }
      // The rest, after the last end of line.
      if (pos_ >= view_.size() && !options_.final_empty) {
        done_ = true;
        return false;
      }
      line.text = view_.substr(pos_);
      pos_ = view_.size();
      done_ = true;
      break;
    }
    if (options_.strip_cr && !line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    line.number = ++number_;
    return true;
  }

  class iterator {
   public:
    iterator() = default;
    explicit iterator(LineSource* s) : s_(s) { ++*this; }
    const TextLine& operator*() const { return line_; }
    const TextLine* operator->() const { return &line_; }
    iterator& operator++() {
      if (!s_->next(line_)) s_ = nullptr;
      return *this;
    }
    bool operator!=(const iterator& o) const { return s_ != o.s_; }
    bool operator==(const iterator& o) const { return s_ == o.s_; }

   private:
    LineSource* s_ = nullptr;
    TextLine line_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  static constexpr size_t kChunk = size_t(1) << 16;

  // Keeps the unread bytes and appends one more chunk.
  void refill() {
    storage_.erase(0, pos_);
    pos_ = 0;
    size_t have = storage_.size();
    storage_.resize(have + kChunk);
    in_.read(storage_.data() + have, std::streamsize(kChunk));
    auto got = size_t(in_.gcount());
    storage_.resize(have + got);
    if (got == 0 || !in_) eof_ = true;
    view_ = storage_;
  }

  void skip_bom() {
    while (!eof_ && view_.size() < 3) refill();
    if (view_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  Options options_;
  std::ifstream in_;
  std::string storage_;
  std::string_view view_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool opened_ = true;
  bool done_ = false;
  uint32_t number_ = 0;
};

// Whether the file holds byte `c` (read in chunks).
inline bool file_contains(const std::string& path, char c) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(size_t(1) << 16, '\0');
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    std::string_view chunk(buf.data(), size_t(in.gcount()));
    if (chunk.find(c) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace rampart::importers
