"""Bounded reads: a size limit per file and per unpacked archive member, checked before anything is read.

A .docx or .xlsx is a zip archive: its members' declared sizes are checked
before a byte is unpacked, so a small file that expands to gigabytes (a zip
bomb) is refused without the process growing. ``zipfile`` never unpacks more
than a member declares, so the declared sizes bound the real ones.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .extracted import Unreadable

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * MB
    max_unpacked_bytes: int = 200 * MB  # all members of one archive together
    max_ratio: int = 100  # unpacked / packed size of one large member; text XML packs ~5-20x

    @classmethod
    def from_settings(cls, settings) -> "ReadLimits":
        return cls(settings.max_file_mb * MB, settings.max_unpacked_mb * MB)


def check_size(path: Path, limits: ReadLimits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise Unreadable(f"文件过大({size / MB:.0f} MB,上限 {limits.max_file_bytes / MB:.0f} MB),"
                         "请拆分后再放入语料目录")


def check_archive(path: Path, limits: ReadLimits) -> None:
    """Refuse an archive whose members would unpack beyond the limits (before unpacking any)."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked_bytes:
        raise Unreadable(f"解压后过大({total / MB:.0f} MB,上限 {limits.max_unpacked_bytes / MB:.0f} MB),"
                         "疑似压缩炸弹,已拒绝")
    for member in members:
        if member.file_size > MB and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise Unreadable(f"压缩比异常({member.filename} 解压后 {member.file_size / MB:.0f} MB),"
                             "疑似压缩炸弹,已拒绝")
