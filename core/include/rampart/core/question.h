#pragma once
// The questions a policy asks: `assert` claims and `query` requests, bound to
// model elements.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/address.h"
#include "rampart/core/ids.h"
#include "rampart/core/origin.h"
#include "rampart/core/service.h"

namespace rampart::core {

// Where traffic starts. Addresses: packets arriving from the network with a
// source in `addresses` (a host never accepts its own or a loopback address
// from the network). Host: packets a declared host sends, through its
// outbound layers (to itself: the local path, loopback included).
struct Endpoint {
  enum class Kind : uint8_t { Addresses, Host };
  Kind kind = Kind::Addresses;
  AddressSet addresses = AddressSet::any();
  HostId host;
  PortSet client_ports = default_client_ports();
  bool untrusted = false;  // drawn from a zone marked `untrusted`
  std::string text;        // as written
};

// Where traffic goes: a declared host (through its inbound layers to a
// listener) or addresses outside the model (only the source's outbound layers).
struct Destination {
  enum class Kind : uint8_t { Host, Addresses };
  Kind kind = Kind::Host;
  HostId host;
  AddressSet addresses;
  std::string text;
};

enum class NetworkClaim : uint8_t {
  Reach,       // some packet of the set is admitted
  NotReach,    // no packet is admitted
  OnlyReach,   // every admitted packet's source lies in the source set
  AllReach,    // every packet from the source set is admitted
  QueryReach,  // the exact admitted set (query)
};

struct NetworkQuestion {
  NetworkClaim claim = NetworkClaim::Reach;
  Endpoint source;
  Destination destination;
  ServiceSet services = ServiceSet::any();
  std::string services_text;
  // `that can OP PATH`: only listeners whose service can perform it.
  std::optional<Operation> that_can_operation;
  std::string that_can_path;
};

enum class AccessClaim : uint8_t {
  Can,       // the subject can perform the operation
  CannotDo,  // `not can`
  OnlyCan,   // nobody outside the listed subjects can
  WhoCan,    // every subject that can (query)
};

struct AccessQuestion {
  AccessClaim claim = AccessClaim::Can;
  std::vector<Subject> subjects;  // one for Can / CannotDo; the allowed list for OnlyCan
  Operation operation = Operation::Read;
  std::string path;
  HostId host;
};

struct ConflictsQuestion {
  std::optional<HostId> host;  // all hosts when absent
};

struct Question {
  bool is_query = false;  // `query` (an answer) rather than `assert` (a claim)
  std::string text;       // the statement as written, without `assert`/`query`
  Origin origin;
  std::variant<NetworkQuestion, AccessQuestion, ConflictsQuestion> body;

  std::string kind_name() const;  // "reach", "not-reach", "only-reach", "can", ...
};

}  // namespace rampart::core
