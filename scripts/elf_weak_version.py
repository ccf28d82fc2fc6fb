#!/usr/bin/python3
"""Marks one symbol-version requirement of an ELF shared library as weak.

    python3 scripts/elf_weak_version.py LIBRARY.so VERSION [--file NEEDED_LIBRARY]

Example (what scripts/torchsharp_peer.sh runs on TorchSharp's glue library, built with GCC 13):

    python3 scripts/elf_weak_version.py libLibTorchSharp.so GLIBCXX_3.4.32 --file libstdc++.so.6

Each library a shared object needs has a Verneed entry in its `.gnu.version_r` section, followed by one Vernaux entry
per version it needs from that library. The dynamic loader refuses to load the object when a needed version is
missing, unless that Vernaux entry carries VER_FLG_WEAK (0x2); then it loads it, and each symbol of that version must
be found elsewhere (a preloaded library). This script finds the Vernaux entry by version name (and, with --file, by the
needed library's name), sets the flag in place and changes nothing else. Running it again changes nothing. It exits
with status 1 and says why if the file is not a 64-bit little-endian ELF object or has no such entry.

Standard library only.
"""

import argparse
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE  # section type of .gnu.version_r
VER_FLG_WEAK = 0x2

# Elf64_Ehdr fields read here: e_shoff at 0x28; e_shentsize, e_shnum at 0x3A.
# Elf64_Shdr: sh_name, sh_type (I I), sh_flags, sh_addr, sh_offset, sh_size (Q Q Q Q), sh_link, sh_info (I I), ...
SECTION_HEADER = struct.Struct("<IIQQQQII")
# Elf64_Verneed: vn_version, vn_cnt (H H), vn_file, vn_aux, vn_next (I I I).
VERNEED = struct.Struct("<HHIII")
# Elf64_Vernaux: vna_hash (I), vna_flags, vna_other (H H), vna_name, vna_next (I I).
VERNAUX = struct.Struct("<IHHII")
VERNAUX_FLAGS_OFFSET = 4


class ElfError(Exception):
    """The file is not what this script can patch; the message says why."""


def read_string(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", errors="replace")


def section_headers(data):
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("only 64-bit little-endian ELF objects are supported (EI_CLASS=%d, EI_DATA=%d)" % (data[4], data[5]))
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    if shoff == 0 or shnum == 0:
        raise ElfError("no section headers")
    return [SECTION_HEADER.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]


def find_vernaux(data, version, needed_file):
    """Offset of the Vernaux entry named `version` (under the Verneed entry of `needed_file` if given), and the
    (file, version) pairs seen, for the error message."""
    sections = section_headers(data)
    seen = []
    for _, sh_type, _, _, sh_offset, _, sh_link, sh_info in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab = sections[sh_link][4]
        verneed = sh_offset
        for _ in range(sh_info):  # sh_info of .gnu.version_r is the number of Verneed entries
            _, vn_cnt, vn_file, vn_aux, vn_next = VERNEED.unpack_from(data, verneed)
            file_name = read_string(data, strtab + vn_file)
            vernaux = verneed + vn_aux
            for _ in range(vn_cnt):
                _, _, _, vna_name, vna_next = VERNAUX.unpack_from(data, vernaux)
                name = read_string(data, strtab + vna_name)
                seen.append((file_name, name))
                if name == version and (needed_file is None or file_name == needed_file):
                    return vernaux, seen
                vernaux += vna_next
            verneed += vn_next
    return None, seen


def main(argv):
    parser = argparse.ArgumentParser(description="Set VER_FLG_WEAK on one version requirement of an ELF shared object.")
    parser.add_argument("library", help="the ELF shared object to patch in place")
    parser.add_argument("version", help="the version name, e.g. GLIBCXX_3.4.32")
    parser.add_argument("--file", help="only under the Verneed entry of this needed library, e.g. libstdc++.so.6")
    args = parser.parse_args(argv)

    with open(args.library, "rb") as f:
        data = bytearray(f.read())
    try:
        offset, seen = find_vernaux(data, args.version, args.file)
    except (ElfError, struct.error, IndexError, ValueError) as e:
        print("%s: cannot patch: %s" % (args.library, e), file=sys.stderr)
        return 1
    if offset is None:
        wanted = args.version + (" of " + args.file if args.file else "")
        print("%s: refusing: no version requirement %s in .gnu.version_r (it needs: %s)" % (
            args.library, wanted, ", ".join("%s %s" % pair for pair in seen) or "nothing"), file=sys.stderr)
        return 1

    flags_at = offset + VERNAUX_FLAGS_OFFSET
    (flags,) = struct.unpack_from("<H", data, flags_at)
    if flags & VER_FLG_WEAK:
        print("%s: %s is already weak" % (args.library, args.version))
        return 0
    struct.pack_into("<H", data, flags_at, flags | VER_FLG_WEAK)
    with open(args.library, "r+b") as f:
        f.seek(flags_at)
        f.write(data[flags_at:flags_at + 2])
    print("%s: %s marked weak (flags 0x%x -> 0x%x at file offset 0x%x)" % (
        args.library, args.version, flags, flags | VER_FLG_WEAK, flags_at))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
