#pragma once
// The member names of the EC2 API output shapes the AWS importer reads
// (generated into known_keys.cpp by gen_known_keys.py).

#include <map>
#include <set>
#include <string>

namespace rampart::importers::aws {

// Shape name ("SecurityGroup", "DescribeSecurityGroupsOutput", ...) -> keys.
const std::map<std::string, std::set<std::string>, std::less<>>& known_keys();

}  // namespace rampart::importers::aws
