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

// A name an importer read where the model wants a number (a run-as user, a
// socket's owner). The binder resolves it against the importing host's users
// and groups, imported or declared, once all of them are bound; a name the
// host does not have is an error at `origin`, unless it is all digits (a
// numeric id) or a fallback is given.
struct NameRef {
  enum class Target : uint8_t {
    ServiceUser,           // fragment.services[index]: uid (user_name is set too)
    ServiceGroup,          // fragment.services[index]: gid (after ServiceUser)
    ServiceSupplementary,  // fragment.services[index]: one more supplementary gid
    FileOwner,             // fragment.files[index]: uid
    FileGroup,             // fragment.files[index]: gid (after FileOwner)
    AclUser,               // fragment.files[index].access_acl.entries[entry]: qualifier
    AclGroup,              // the same, for a named group entry
  };
  Target target = Target::ServiceUser;
  uint32_t index = 0;
  uint32_t entry = 0;
  std::string name;
  bool primary_group = false;        // ServiceUser, FileOwner: the gid becomes the user's primary group
  bool user_groups = false;          // ServiceUser: add the user's groups, as initgroups(3) does
  std::optional<uint32_t> fallback;  // the id to use when the host has no such name
  Origin origin;
};

// A fragment host whose name is empty stands for the host block the import
// sits in: its interfaces and listeners are added to that host (a listener's
// service is a fragment service id, like any other; one left unset is
// matched to the host's services by `process`). At top level such a
// host is an error, as are users or services left without a host.
struct ImportResult {
  Policy fragment;
  std::vector<ImportedObject> objects;
  std::vector<NameRef> names;
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
