#include "rampart/importers/registry.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "families.h"

namespace rampart::importers {

void Registry::add(std::unique_ptr<Importer> importer) {
  std::string name = importer->format();
  importers_[name] = std::move(importer);
}

bool Registry::supports(const std::string& format) const {
  return importers_.count(format) > 0;
}

std::vector<std::string> Registry::formats() const {
  std::vector<std::string> out;
  for (const auto& [name, imp] : importers_) out.push_back(name);
  return out;
}

const Importer* Registry::find(const std::string& format) const {
  auto it = importers_.find(format);
  return it == importers_.end() ? nullptr : it->second.get();
}

core::ImportResult Registry::import(const core::ImportRequest& request) const {
  const Importer* imp = find(request.format);
  if (!imp) core::internal_error("import requested for an unsupported format " + request.format);
  return imp->import(request);
}

Registry default_registry() {
  Registry r;
  register_table(r);
  register_aws(r);
  register_windows(r);
  register_netfilter(r);
  register_linux(r);
  register_services(r);
  register_selinux(r);
  return r;
}

std::optional<std::string> read_native_file(const std::string& path, const core::Origin& where,
                                            core::Diagnostics& diags) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diags.error("RP0001", where, fmt::format("`{}` is a directory, not a file", path));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error("RP0001", where,
                fmt::format("cannot read `{}`: {}", path,
                            std::filesystem::exists(path, ec) ? "permission denied" : "no such file"));
    return std::nullopt;
  }
  // A regular file is read in one piece at its size (a 2 MB compiled SELinux
  // policy read through a growing stream buffer cost several milliseconds);
  // anything else (a pipe) through the stream.
  auto size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  if (!ec && size > 0) {
    std::string bytes(size, '\0');
    in.read(bytes.data(), std::streamsize(size));
    bytes.resize(size_t(in.gcount()));
    if (in.gcount() == std::streamsize(size) && in.peek() == std::char_traits<char>::eof()) return bytes;
    in.clear();
    std::ostringstream rest;
    rest << in.rdbuf();
    return bytes + rest.str();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rampart::importers
