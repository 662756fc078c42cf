#!/usr/bin/env python3
"""Generators of large native inputs for the "Large inputs" measurements
(docs/performance.md). Each writes one file of about SIZE bytes into a
folder outside the repository (default /tmp/rampart-large) plus a tiny
policy that imports it, and prints the two paths.

  python3 bench/large_inputs.py aws      SIZE [--dir DIR]
  python3 bench/large_inputs.py aws-text SIZE [--dir DIR]
  python3 bench/large_inputs.py iptables SIZE [--dir DIR]
  python3 bench/large_inputs.py find     SIZE [--dir DIR]
  python3 bench/large_inputs.py getfacl  SIZE [--dir DIR]
  python3 bench/large_inputs.py policy   RULES [--dir DIR]

SIZE takes a suffix: 100M, 1G. The shapes cycle realistic variants (seeded,
so two runs write the same bytes): security groups as `aws ec2
describe-security-groups` prints them (4-space indent), iptables-save
rules with comments, multiport, ranges, conntrack and user chains, a
`find -printf '%m %U %G %y %p\\n'` listing of a deep tree, `getfacl -R -n
-p` blocks with named users and default ACLs, and a policy-language
firewall of RULES rules.
"""

import argparse
import json
import os
import random
import sys

BUF = 1 << 20


def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1].upper() in mult:
        return int(float(text[:-1]) * mult[text[-1].upper()])
    return int(text)


class Out:
    def __init__(self, path):
        self.f = open(path, "w", buffering=BUF)
        self.n = 0

    def write(self, s):
        self.f.write(s)
        self.n += len(s)

    def close(self):
        self.f.close()


def ip(rng):
    return "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


def aws(size, folder):
    rng = random.Random(1)
    path = os.path.join(folder, "describe-security-groups.json")
    out = Out(path)
    out.write('{\n    "SecurityGroups": [\n')
    i = 0
    while True:
        perms = []
        for k in range(1 + i % 4):
            port = [22, 80, 443, 5432, 8080, 3306, 6379][(i + k) % 7]
            ranges = ",\n".join(
                '                        {\n                            "CidrIp": "%s/%d",\n'
                '                            "Description": "range %d"\n                        }'
                % (ip(rng), [32, 24, 16][j % 3], j)
                for j in range(1 + (i + k) % 3))
            pairs = ""
            if False:  # group references need describe-network-interfaces: left out
                pairs = ('\n                        {\n                            "GroupId": "sg-%017x",\n'
                         '                            "UserId": "111122223333"\n                        }\n'
                         '                    ' % (i - 1))
            perms.append(
                '                {\n                    "FromPort": %d,\n                    "IpProtocol": "tcp",\n'
                '                    "IpRanges": [\n%s\n                    ],\n'
                '                    "Ipv6Ranges": [],\n                    "PrefixListIds": [],\n'
                '                    "ToPort": %d,\n                    "UserIdGroupPairs": [%s]\n                }'
                % (port, ranges, port + (k == 3) * 100, pairs))
        group = (
            '        {\n            "Description": "generated group %d",\n'
            '            "GroupName": "group-%d",\n            "IpPermissions": [\n%s\n            ],\n'
            '            "OwnerId": "111122223333",\n            "GroupId": "sg-%017x",\n'
            '            "IpPermissionsEgress": [\n                {\n                    "IpProtocol": "-1",\n'
            '                    "IpRanges": [\n                        {\n'
            '                            "CidrIp": "0.0.0.0/0"\n                        }\n'
            '                    ],\n                    "Ipv6Ranges": [],\n'
            '                    "PrefixListIds": [],\n                    "UserIdGroupPairs": []\n'
            '                }\n            ],\n            "VpcId": "vpc-0a1b2c3d4e5f60001"\n        }'
            % (i, i, ",\n".join(perms), i))
        out.write(group)
        i += 1
        if out.n >= size:
            break
        out.write(",\n")
    out.write('\n    ]\n}\n')
    out.close()
    policy = os.path.join(folder, "aws.rampart")
    with open(policy, "w") as f:
        f.write('import aws.account "%s" as aws;\n'
                'host h {\n  interface eth0 address 10.0.0.1;\n  inbound aws["sg-%017x"];\n  listen tcp/22;\n}\n'
                'assert not reach 203.0.113.7 -> h tcp/22;\n' % (path, 0))
    return path, policy, "%d security groups" % i


def aws_text(size, folder):
    # Text-heavy groups (long descriptions, one rule each): the reader's own
    # memory shows, not the model's.
    path = os.path.join(folder, "describe-security-groups-text.json")
    out = Out(path)
    out.write('{\n    "SecurityGroups": [\n')
    n = 0
    while out.n < size:
        if n:
            out.write(",\n")
        out.write(json.dumps({
            "Description": "x" * 4000, "GroupName": "g%d" % n, "GroupId": "sg-%017x" % n,
            "OwnerId": "111122223333", "VpcId": "vpc-1",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "y" * 2000}],
                               "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
            "IpPermissionsEgress": []}, indent=4))
        n += 1
    out.write('\n    ]\n}\n')
    out.close()
    policy = os.path.join(folder, "aws-text.rampart")
    with open(policy, "w") as f:
        f.write('import aws.account "%s" as aws;\n'
                'host h {\n  interface eth0 address 10.0.0.1;\n  inbound aws["sg-%017x"];\n  listen tcp/22;\n}\n'
                'assert not reach 203.0.113.7 -> h tcp/22;\n' % (path, 0))
    return path, policy, "%d text-heavy groups" % n


def iptables(size, folder):
    rng = random.Random(2)
    path = os.path.join(folder, "rules.iptables-save")
    out = Out(path)
    out.write("# Generated by iptables-save v1.8.9 (nf_tables) on Thu Nov 26 12:00:00 2026\n*filter\n"
              ":INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
    chains = 64
    for c in range(chains):
        out.write(":net_%d - [0:0]\n" % c)
    out.write("-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
    for c in range(chains):
        out.write("-A INPUT -s 10.%d.0.0/16 -j net_%d\n" % (c, c))
    shapes = [
        '-A net_%(c)d -s %(ip)s/32 -p tcp -m tcp --dport %(port)d -m comment --comment "rule %(n)d" -j ACCEPT\n',
        '-A net_%(c)d -s %(ip)s/24 -p udp -m multiport --dports 53,123,%(port)d -j ACCEPT\n',
        '-A net_%(c)d -p tcp -m iprange --src-range %(ip)s-%(ip2)s -m tcp --dport %(port)d:%(port2)d -j REJECT --reject-with tcp-reset\n',
        '-A net_%(c)d -s %(ip)s/32 -d 10.20.0.10/32 -p tcp -m conntrack --ctstate NEW -m tcp --dport %(port)d -j DROP\n',
        '-A net_%(c)d -i eth0 -p icmp -m icmp --icmp-type 8 -j ACCEPT\n',
    ]
    n = 0
    while out.n < size:
        a = ip(rng)
        out.write(shapes[n % len(shapes)] % {
            "c": n % chains, "ip": a, "ip2": a.rsplit(".", 1)[0] + ".255",
            "port": 1 + rng.randrange(60000), "port2": 60001 + rng.randrange(5000), "n": n})
        n += 1
    for c in range(chains):
        out.write("-A net_%d -j RETURN\n" % c)
    out.write("COMMIT\n# Completed on Thu Nov 26 12:00:00 2026\n")
    out.close()
    policy = os.path.join(folder, "iptables.rampart")
    with open(policy, "w") as f:
        f.write('import netfilter.iptables-save "%s" as fw;\n'
                'host h {\n  interface eth0 address 10.20.0.10;\n  inbound fw["filter"];\n  listen tcp/22;\n}\n'
                'assert not reach 203.0.113.7 -> h tcp/22;\n' % path)
    return path, policy, "%d rules" % n


WORDS = ["srv", "www", "data", "app", "log", "cache", "lib", "share", "conf", "backup", "static", "upload"]


def tree(rng, n):
    # A deterministic path of depth 3-7 under /srv; directories come first.
    parts = []
    x = n // 40
    for d in range(3 + n % 5):
        parts.append("%s%d" % (WORDS[(x + d) % len(WORDS)], x % 97))
        x //= 7
    return "/srv/" + "/".join(parts) + "/file-%d.dat" % n


def find(size, folder):
    rng = random.Random(3)
    path = os.path.join(folder, "files.find")
    out = Out(path)
    out.write("755 0 0 d /\n755 0 0 d /srv\n")
    dirs = set()
    n = 0
    while out.n < size:
        p = tree(rng, n)
        d = p.rsplit("/", 1)[0]
        if d not in dirs:
            # Ancestors first, as find prints them.
            segs = d.split("/")[1:]
            for k in range(2, len(segs) + 1):
                a = "/" + "/".join(segs[:k])
                if a not in dirs:
                    dirs.add(a)
                    out.write("%s %d %d d %s\n" % (["755", "2775", "750"][len(a) % 3], 0, 33, a))
        out.write("%s %d %d f %s\n" % (["644", "640", "600", "664"][n % 4], [0, 33, 1000][n % 3], 33, p))
        n += 1
    out.close()
    policy = os.path.join(folder, "find.rampart")
    with open(policy, "w") as f:
        f.write('host h {\n  import linux.find "%s";\n}\n' % path)
    return path, policy, "%d files, %d directories" % (n, len(dirs))


def getfacl(size, folder):
    rng = random.Random(4)
    path = os.path.join(folder, "acls.getfacl")
    out = Out(path)
    n = 0
    while out.n < size:
        p = tree(rng, n)
        lines = ["# file: %s" % p, "# owner: %d" % [0, 33, 1000][n % 3], "# group: 33"]
        if n % 5 == 0:
            lines.append("# flags: -s-")
        lines += ["user::rw-", "user:%d:r--" % (1000 + n % 50), "group::r--",
                  "group:%d:rw-\t#effective:r--" % (2000 + n % 20), "mask::r--", "other::---"]
        if n % 4 == 0:
            lines += ["default:user::rwx", "default:group::r-x", "default:mask::r-x", "default:other::---"]
        out.write("\n".join(lines) + "\n\n")
        n += 1
    out.close()
    policy = os.path.join(folder, "getfacl.rampart")
    with open(policy, "w") as f:
        f.write('host h {\n  import linux.getfacl "%s";\n}\n' % path)
    return path, policy, "%d entries" % n


def policy_rules(rules, folder):
    rng = random.Random(5)
    path = os.path.join(folder, "policy-%d.rampart" % rules)
    out = Out(path)
    out.write("zone office = 192.168.1.0/24;\nzone internet untrusted = any;\n\n"
              "firewall fw first-match default deny {\n")
    for n in range(rules):
        a = ip(rng)
        shape = n % 4
        if shape == 0:
            out.write("  allow tcp from %s/32 to 10.20.0.10 port %d;\n" % (a, 1 + rng.randrange(60000)))
        elif shape == 1:
            out.write("  r%d: deny udp from %s.0/24 to any port 53, 123;\n" % (n, a.rsplit(".", 1)[0]))
        elif shape == 2:
            out.write("  allow tcp from office to 10.20.0.0/16 port %d-%d;\n"
                      % (1000 + n % 1000, 2000 + n % 1000))
        else:
            out.write("  deny tcp from %s to any port 22;\n" % a)
    out.write("}\n\nhost server {\n  interface eth0 address 10.20.0.10;\n  inbound fw;\n"
              "  listen tcp/22;\n  listen tcp/443;\n}\n\n"
              "assert not reach 203.0.113.7 -> server tcp/22;\n")
    out.close()
    return path, path, "%d rules" % rules


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["aws", "aws-text", "iptables", "find", "getfacl", "policy"])
    ap.add_argument("size")
    ap.add_argument("--dir", default="/tmp/rampart-large")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    if a.kind == "policy":
        res = policy_rules(int(a.size), a.dir)
    else:
        res = {"aws": aws, "aws-text": aws_text, "iptables": iptables, "find": find, "getfacl": getfacl}[a.kind](parse_size(a.size), a.dir)
    print("\t".join(res))


if __name__ == "__main__":
    sys.exit(main())
