#!/usr/bin/env python3
"""Builds policy.wfw from policy.reg: an empty registry hive (written here,
byte for byte as the regf format has it) into which libhivex's own
`hivexregedit --merge` (Debian: libhivex-bin, libwin-hivex-perl) imports the
keys under HKEY_LOCAL_MACHINE\\WFW, so the hive's root holds FirewallRules,
DomainProfile, StandardProfile and PublicProfile as a `.wfw` export does.

    python3 make_wfw.py        # rewrites policy.wfw next to this script
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def empty_hive(path, root_name=b"ROOT"):
    """A hive with one empty root key: the regf base block (4 KiB, with its
    XOR checksum) and one 4 KiB hbin holding the root nk cell, its sk
    (security) cell and a free cell."""
    hbin_size = 4096
    nk_cell_len = (4 + 76 + len(root_name) + 7) & ~7
    sk_off = 0x20 + nk_cell_len
    nk = b"nk" + struct.pack("<HQ", 0x2C, 0)  # KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME
    nk += struct.pack("<II", 0, 0)  # access bits, parent
    nk += struct.pack("<IIII", 0, 0, 0xFFFFFFFF, 0xFFFFFFFF)  # subkeys, volatile, their lists
    nk += struct.pack("<II", 0, 0xFFFFFFFF)  # values, value list
    nk += struct.pack("<II", sk_off, 0xFFFFFFFF)  # security, class name
    nk += struct.pack("<IIIII", 0, 0, 0, 0, 0)  # largest name/class/value sizes, work var
    nk += struct.pack("<HH", len(root_name), 0) + root_name
    nk_cell = struct.pack("<i", -nk_cell_len) + nk
    nk_cell += b"\0" * (nk_cell_len - len(nk_cell))
    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)  # self-relative, NULL DACL
    sk = b"sk" + struct.pack("<HIIII", 0, sk_off, sk_off, 1, len(sd)) + sd
    sk_cell_len = (4 + len(sk) + 7) & ~7
    sk_cell = struct.pack("<i", -sk_cell_len) + sk
    sk_cell += b"\0" * (sk_cell_len - len(sk_cell))
    used = 0x20 + nk_cell_len + sk_cell_len
    free_cell = struct.pack("<i", hbin_size - used) + b"\0" * (hbin_size - used - 4)
    hbin = b"hbin" + struct.pack("<IIIIQI", 0, hbin_size, 0, 0, 0, 0)
    hbin += nk_cell + sk_cell + free_cell
    assert len(hbin) == hbin_size
    base = bytearray(4096)
    base[0:4] = b"regf"
    struct.pack_into("<IIQIIIIIII", base, 4, 1, 1, 0, 1, 3, 0, 1, 0x20, hbin_size, 1)
    checksum = 0
    for i in range(0, 508, 4):
        checksum ^= struct.unpack_from("<I", base, i)[0]
    checksum = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(checksum, checksum)
    struct.pack_into("<I", base, 508, checksum)
    with open(path, "wb") as f:
        f.write(bytes(base) + hbin)


def main():
    out = os.path.join(HERE, "policy.wfw")
    with open(os.path.join(HERE, "policy.reg"), encoding="utf-8") as f:
        reg = "".join(line for line in f if not line.startswith(";"))
    with tempfile.TemporaryDirectory() as tmp:
        hive = os.path.join(tmp, "policy.wfw")
        source = os.path.join(tmp, "policy.reg")
        with open(source, "w", encoding="utf-8") as f:
            f.write(reg)
        empty_hive(hive)
        subprocess.run(["hivexregedit", "--merge", "--prefix", "HKEY_LOCAL_MACHINE\\WFW", hive, source], check=True)
        with open(hive, "rb") as f:
            data = f.read()
    with open(out, "wb") as f:
        f.write(data)
    print(f"wrote {out} ({len(data)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
