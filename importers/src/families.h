#pragma once
// Each source family registers its importers here; one folder per family
// under importers/src/, so families are developed side by side without
// touching each other's files.

#include "rampart/importers/registry.h"

namespace rampart::importers {

void register_table(Registry& r);      // rules.csv
void register_aws(Registry& r);        // AWS CLI JSON, Terraform plans
void register_windows(Registry& r);    // Windows Firewall, services, IIS
void register_netfilter(Registry& r);  // iptables-save, nft list ruleset
void register_linux(Registry& r);      // passwd, group, file snapshots, ss
void register_services(Registry& r);   // supervisord, systemd, nginx, php-fpm, compose
void register_selinux(Registry& r);    // binary policy, file_contexts

}  // namespace rampart::importers
