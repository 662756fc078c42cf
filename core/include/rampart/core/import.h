#pragma once
// The import-resolver contract. The language binder resolves
// `import FORMAT "PATH" as NAME;` through this interface; importers implement
// it and cli hands one to the binder, so the language never includes an
// importer and an importer never knows the language.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rampart/core/diagnostic.h"
#include "rampart/core/ids.h"
#include "rampart/core/origin.h"
#include "rampart/core/policy.h"

namespace rampart::core {

struct ImportRequest {
  std::string format;        // e.g. "aws.security_groups", "test.rules"
  std::string path;          // resolved file-system path to read
  std::string display_path;  // the path as diagnostics should show it
  Origin origin;             // the import statement
  HostId host;               // valid when the import sits inside a host block
};

// A native object the policy can name as NAME["native id"].
struct ImportedObject {
  std::string native_id;  // the quoted id the policy uses
  ObjectKind kind = ObjectKind::Filter;
  uint32_t index = 0;  // index into the fragment's vector of that kind
};

// A fragment host whose name is empty stands for the host block the import
// sits in: its interfaces and listeners are added to that host (a listener's
// service is a fragment service id, like any other). At top level such a
// host is an error, as are users or services left without a host.
struct ImportResult {
  Policy fragment;
  std::vector<ImportedObject> objects;
  Diagnostics diagnostics;  // errors here fail the whole policy load
};

class ImportResolver {
 public:
  virtual ~ImportResolver() = default;
  virtual bool supports(const std::string& format) const = 0;
  virtual std::vector<std::string> formats() const = 0;  // sorted
  virtual ImportResult import(const ImportRequest& request) const = 0;
};

}  // namespace rampart::core
