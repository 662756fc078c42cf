#pragma once
// The importers rampart ships, behind core's ImportResolver contract. Each
// source family lives in its own folder under importers/src/ and registers
// here; the language never sees them.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rampart/core/import.h"

namespace rampart::importers {

class Importer {
 public:
  virtual ~Importer() = default;
  virtual std::string format() const = 0;       // as written in `import FORMAT`
  virtual std::string description() const = 0;  // one line, for --help
  virtual core::ImportResult import(const core::ImportRequest& request) const = 0;
};

class Registry : public core::ImportResolver {
 public:
  void add(std::unique_ptr<Importer> importer);
  bool supports(const std::string& format) const override;
  std::vector<std::string> formats() const override;
  core::ImportResult import(const core::ImportRequest& request) const override;
  const Importer* find(const std::string& format) const;

 private:
  std::map<std::string, std::unique_ptr<Importer>> importers_;
};

// Every importer rampart ships.
Registry default_registry();

// Reads a whole native file, or reports why not (code RP0001) at `where`.
std::optional<std::string> read_native_file(const std::string& path, const core::Origin& where,
                                            core::Diagnostics& diags);

}  // namespace rampart::importers
