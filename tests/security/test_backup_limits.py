"""A restore reads what the archive's entries declare and refuses, before writing a byte, an
archive that would unpack past the limit, past a sane compression ratio or past the free disk."""

import io
import shutil
import tarfile

import pytest
from django.core.management import CommandError, call_command

from tests.ops.test_backup import _snapshot, records  # noqa: F401 - the fixture is used

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("records")]

MiB = 1024 * 1024


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, read in blocks: a huge entry without holding it in memory."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def _archive(path, zeros: int):
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo("database.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"[]"))
        big = tarfile.TarInfo("media/big.bin")
        big.size = zeros
        archive.addfile(big, io.BufferedReader(_Zeros(zeros)))
    return path


def _refused(path, match, media_root):
    before = _snapshot()
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(path), interactive=False)
    assert _snapshot() == before
    assert not list(media_root.rglob("big.bin"))  # nothing unpacked, nothing left behind


def test_an_archive_declaring_more_than_the_limit_is_refused(settings, tmp_path, media_root):
    settings.BACKUP_MAX_UNPACKED_BYTES = 1 * MiB
    _refused(_archive(tmp_path / "big.tar.gz", 2 * MiB), "BACKUP_MAX_UNPACKED_BYTES", media_root)


def test_a_small_archive_that_unpacks_to_a_hundredfold_is_refused(tmp_path, media_root):
    path = _archive(tmp_path / "bomb.tar.gz", 80 * MiB)  # about 80 KB on disk
    assert path.stat().st_size < MiB
    _refused(path, "压缩比异常", media_root)


def test_an_archive_the_disk_cannot_take_is_refused(settings, tmp_path, media_root):
    media_root.mkdir(parents=True, exist_ok=True)
    # Keep free more than the disk has: no archive fits, however small.
    settings.BACKUP_MIN_FREE_BYTES = shutil.disk_usage(media_root).free + MiB
    _refused(_archive(tmp_path / "small.tar.gz", 1024), "磁盘剩余空间不足", media_root)
