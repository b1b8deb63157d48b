"""Just enough of an ELF reader to tell whether a shared object will load on Lambda.

Reads, from a 64-bit little-endian ELF file's section headers, the machine it
was built for, the libraries it links (DT_NEEDED) and the symbol versions it
requires from them (``.gnu.version_r``: GLIBC_2.17, ...). That is what decides
whether ``dlopen`` succeeds on the Lambda runtime; the package check
(ops.package_check) applies it to every native file in the deployment zip.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

MAGIC = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
EM_X86_64 = 62
EM_AARCH64 = 183

_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
_SECTION = struct.Struct("<IIQQQQIIQQ")
_DYN = struct.Struct("<qQ")
_VERNEED = struct.Struct("<HHIII")
_VERNAUX = struct.Struct("<IHHII")
_SHT_DYNAMIC = 6
_SHT_GNU_VERNEED = 0x6FFFFFFE
_DT_NULL, _DT_NEEDED = 0, 1
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")


class ElfError(ValueError):
    """Not an ELF file this reader understands (32-bit, big-endian, truncated...)."""


@dataclass(frozen=True)
class ElfInfo:
    machine: int
    needed: tuple[str, ...]
    #: library -> symbol versions required from it, e.g. {"libc.so.6": ("GLIBC_2.14",)}
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def glibc(self) -> tuple[int, int]:
        """The newest GLIBC_x.y symbol version any dependency must provide ((0, 0) if none)."""
        found = [(0, 0)]
        for names in self.versions.values():
            for name in names:
                match = _GLIBC.match(name)
                if match:
                    found.append((int(match.group(1)), int(match.group(2))))
        return max(found)


def is_elf(data: bytes) -> bool:
    return data[:4] == MAGIC


def _cstring(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    if offset >= len(table) or end < 0:
        raise ElfError("string offset outside its table")
    return table[offset:end].decode("ascii", "replace")


def read(data: bytes) -> ElfInfo:
    """Parse ``data`` (a whole shared object); ElfError when it cannot be read."""
    if len(data) < _HEADER.size or not is_elf(data):
        raise ElfError("not an ELF file")
    ident = data[:16]
    if ident[4] != ELFCLASS64 or ident[5] != ELFDATA2LSB:
        raise ElfError("not a 64-bit little-endian ELF file")
    header = _HEADER.unpack_from(data)
    machine, shoff, shentsize, shnum = header[2], header[6], header[11], header[12]
    if shoff == 0 or shnum == 0 or shentsize != _SECTION.size or shoff + shnum * shentsize > len(data):
        raise ElfError("no readable section headers")
    sections = [_SECTION.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]

    def contents(index: int) -> bytes:
        if not 0 <= index < len(sections):
            raise ElfError("section link out of range")
        _, _, _, _, offset, size, *_ = sections[index]
        if offset + size > len(data):
            raise ElfError("section outside the file")
        return data[offset : offset + size]

    needed: list[str] = []
    versions: dict[str, tuple[str, ...]] = {}
    dynamic_found = False
    for _, sh_type, _, _, offset, size, link, info, _, _ in sections:
        if sh_type == _SHT_DYNAMIC:
            dynamic_found = True
            strings = contents(link)
            for pos in range(offset, offset + size - _DYN.size + 1, _DYN.size):
                tag, value = _DYN.unpack_from(data, pos)
                if tag == _DT_NULL:
                    break
                if tag == _DT_NEEDED:
                    needed.append(_cstring(strings, value))
        elif sh_type == _SHT_GNU_VERNEED:
            strings = contents(link)
            pos = offset
            for _ in range(info):  # sh_info = number of Verneed entries
                _, count, file_name, aux, next_entry = _VERNEED.unpack_from(data, pos)
                names, aux_pos = [], pos + aux
                for _ in range(count):
                    _, _, _, name, next_aux = _VERNAUX.unpack_from(data, aux_pos)
                    names.append(_cstring(strings, name))
                    aux_pos += next_aux
                versions[_cstring(strings, file_name)] = tuple(names)
                if not next_entry:
                    break
                pos += next_entry
    if not dynamic_found:
        raise ElfError("no dynamic section (not a shared object)")
    return ElfInfo(machine=machine, needed=tuple(needed), versions=versions)
