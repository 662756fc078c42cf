// SELinux in the language: `set selinux.*` settings on a host, `label` on
// files and `domain` on services checked against the host's compiled policy,
// `domain NAME` subjects in questions. Meaning: docs/semantics/selinux.md;
// codes RP3510-RP3517 (docs/diagnostics.md).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "binder.h"
#include "codes.h"
#include "rampart/core/selinux.h"

namespace rampart::dsl {

namespace sel = core::selinux;

namespace {

const sel::CompiledPolicy* policy_of(const core::Policy& p, core::HostId host) {
  for (const auto& f : p.selinux) {
    if (f.host == host && f.policy) return f.policy.get();
  }
  return nullptr;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_bool(const std::string& v) {
  std::string l = lower(v);
  return l == "true" || l == "false" || l == "on" || l == "off" || l == "1" || l == "0" || l == "yes" ||
         l == "no";
}

// A label as the language accepts it: a full context, one without a level
// (the lowest is assumed), or a bare type.
std::string full_label(const sel::CompiledPolicy& p, const std::string& text) {
  if (text.find(':') == std::string::npos)
    return fmt::format("system_u:object_r:{}{}", text, p.mls ? ":s0" : "");
  if (p.mls && std::count(text.begin(), text.end(), ':') == 2) return text + ":s0";
  return text;
}

}  // namespace

void Binder::check_selinux_setting(core::HostId host, const ast::HostItem& item) {
  const std::string& key = item.setting_key;
  if (key.compare(0, 8, "selinux.") != 0) return;
  const sel::CompiledPolicy* p = policy_of(policy_, host);
  const std::string& value = item.setting_value;
  const std::string prefix = "selinux.boolean.";
  if (key.compare(0, prefix.size(), prefix) == 0) {
    std::string name = key.substr(prefix.size());
    if (!p) {
      diags_.error(
          codes::kSelinuxBoolean, item.origin,
          fmt::format("`{}`: this host has no SELinux policy; import one first: `import selinux.policy "
                      "\"policy.33\";`",
                      key));
      return;
    }
    if (p->boolean(name) == sel::kNone) {
      diags_.error(codes::kSelinuxBoolean, item.origin,
                   fmt::format("the SELinux policy has no boolean `{}`", name));
      return;
    }
    if (!is_bool(value)) {
      diags_.error(codes::kSelinuxBoolean, item.origin,
                   fmt::format("`{}` is not a boolean state; write true or false (on, off)", value));
    }
    return;
  }
  if (key == "selinux.mode") {
    std::string m = lower(value);
    if (m != "enforcing" && m != "permissive" && m != "disabled") {
      diags_.error(codes::kSelinuxSetting, item.origin,
                   fmt::format("`{}` is not an SELinux mode (enforcing, permissive or disabled)", value));
    }
    return;
  }
  if (key == "selinux.login_context") {
    if (!p) {
      diags_.error(codes::kSelinuxSetting, item.origin,
                   "`selinux.login_context`: this host has no SELinux policy");
      return;
    }
    std::string err;
    if (!sel::parse_context(*p, value, &err)) {
      diags_.error(codes::kSelinuxSetting, item.origin,
                   fmt::format("`{}` is not a valid context: {}", value, err));
    }
    return;
  }
  if (key == "selinux.filesystem") {
    if (p && std::none_of(p->fs_use.begin(), p->fs_use.end(),
                          [&](const sel::FsUse& f) { return f.filesystem == value; })) {
      diags_.error(codes::kSelinuxSetting, item.origin,
                   fmt::format("the SELinux policy has no fs_use rule for file system `{}`", value));
    }
    return;
  }
  diags_.error(codes::kSelinuxSetting, item.origin, fmt::format("unknown SELinux setting `{}`", key)).help =
      "known: selinux.boolean.NAME, selinux.mode, selinux.login_context, selinux.filesystem";
}

void Binder::check_selinux() {
  for (size_t h = 0; h < policy_.hosts.size(); ++h) {
    core::HostId host{uint32_t(h)};
    const sel::HostFacts* first_policy = nullptr;
    bool facts = false;
    for (const auto& f : policy_.selinux) {
      if (f.host != host) continue;
      facts = true;
      if (!f.policy) continue;
      if (first_policy) {
        diags_
            .error(codes::kSelinuxTwoPolicies, f.origin,
                   fmt::format("host `{}` already has a compiled SELinux policy", policy_.hosts[h].name))
            .notes.push_back({first_policy->origin, "imported here"});
      } else {
        first_policy = &f;
      }
    }
    const sel::CompiledPolicy* p = first_policy ? first_policy->policy.get() : nullptr;
    if (!p) {
      if (facts) {
        for (const auto& f : policy_.selinux) {
          if (f.host == host) {
            diags_.warning(
                codes::kSelinuxNoPolicy, f.origin,
                fmt::format("host `{}` has SELinux facts but no compiled policy: SELinux is not checked "
                            "there",
                            policy_.hosts[h].name));
            break;
          }
        }
      }
      continue;
    }
    for (const auto& f : policy_.selinux) {
      if (f.host != host) continue;
      for (const auto& b : f.booleans) {
        if (p->boolean(b.name) == sel::kNone) {
          diags_.warning(codes::kSelinuxUnknownName, b.origin,
                         fmt::format("the SELinux policy has no boolean `{}`: ignored", b.name));
        }
      }
      for (const auto& l : f.labels) {
        std::string err;
        if (!sel::parse_context(*p, l.context, &err)) {
          diags_.warning(
              codes::kSelinuxBadLabel, l.origin,
              fmt::format("`{}` is not a valid context of the policy ({}): {} has an unknown label",
                          l.context, err, l.path));
        }
      }
      for (const auto& pr : f.processes) {
        std::string err;
        if (!sel::parse_context(*p, pr.context, &err)) {
          diags_.warning(codes::kSelinuxBadLabel, pr.origin,
                         fmt::format("`{}` is not a valid context of the policy ({}): process {} ignored",
                                     pr.context, err, pr.pid));
        }
      }
    }
    for (const auto& n : policy_.files) {
      if (n.host != host || n.selinux_label.empty()) continue;
      std::string err;
      if (!sel::parse_context(*p, full_label(*p, n.selinux_label), &err)) {
        diags_.error(codes::kSelinuxBadLabel, n.origin,
                     fmt::format("label `{}` of {} is not a valid context of the SELinux policy: {}",
                                 n.selinux_label, n.path, err));
      }
    }
    for (const auto& s : policy_.services) {
      if (s.host != host || s.domain.empty()) continue;
      uint32_t t = p->type(s.domain);
      if (t == sel::kNone || p->types[t].attribute) {
        diags_.error(codes::kSelinuxBadDomain, s.origin,
                     fmt::format("service `{}`: `{}` is not a type of the SELinux policy", s.name, s.domain));
      }
    }
  }
}

std::optional<core::Subject> Binder::domain_subject(const ast::Subject& s,
                                                    std::optional<core::HostId>& host) {
  if (!host) {
    std::vector<core::HostId> with_policy;
    for (size_t h = 0; h < policy_.hosts.size(); ++h) {
      if (policy_of(policy_, core::HostId(uint32_t(h)))) with_policy.push_back(core::HostId(uint32_t(h)));
    }
    if (with_policy.size() != 1) {
      diags_.error(codes::kSelinuxDomainSubject, s.origin,
                   with_policy.empty()
                       ? "a `domain` subject needs a host with an SELinux policy, and none has one"
                       : "several hosts have an SELinux policy; add `on HOST`");
      return std::nullopt;
    }
    host = with_policy[0];
  }
  const sel::CompiledPolicy* p = policy_of(policy_, *host);
  if (!p) {
    diags_.error(codes::kSelinuxDomainSubject, s.origin,
                 fmt::format("host `{}` has no SELinux policy", policy_.host(*host).name));
    return std::nullopt;
  }
  uint32_t t = p->type(s.name.text);
  if (t == sel::kNone || p->types[t].attribute) {
    diags_.error(codes::kSelinuxDomainSubject, s.name.origin,
                 fmt::format("`{}` is not a type of the SELinux policy", s.name.text));
    return std::nullopt;
  }
  core::Subject out;
  out.kind = core::Subject::Kind::Domain;
  out.domain = p->types[t].name;
  return out;
}

}  // namespace rampart::dsl
