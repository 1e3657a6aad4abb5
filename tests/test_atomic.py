"""Atomic writes: files respect the umask, and data reach the disk before the rename."""

from __future__ import annotations

import os

import pytest

from anndl import atomic


@pytest.fixture
def umask():
    """Set the process umask for one test, then restore it."""
    previous = os.umask(0o022)
    os.umask(previous)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_get_0666_less_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    for target in (atomic.write_json(tmp_path / "m.json", {"a": 1}), atomic.write_text(tmp_path / "t" / "x.md", "x")):
        assert target.stat().st_mode & 0o777 == mode
    old = tmp_path / "m.json"
    old.chmod(0o600)
    atomic.write_json(old, {"a": 2})  # a rewrite is a new file with the umask's mode
    assert old.stat().st_mode & 0o777 == mode
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names an fd's file through /proc")
def test_data_are_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.abspath(src)))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    target = atomic.write_bytes(tmp_path / "cell.json", b"{}")
    assert [kind for kind, _ in events] == ["fsync", "replace", "fsync"], events
    temporary = events[1][1]
    assert events[0][1] == temporary and temporary.endswith(".tmp")  # the data, before the rename
    assert events[2][1] == str(tmp_path.resolve())  # then the folder's entry
    assert target.read_bytes() == b"{}"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = atomic.write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and not list(tmp_path.glob(".*.tmp"))
