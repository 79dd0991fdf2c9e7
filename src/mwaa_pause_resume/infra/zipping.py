"""Deterministic zip files and a content-addressed cache for build artefacts.

Fixed timestamps and sorted entries give byte-identical zips for identical
inputs, so CDK's asset hash (and the upload) only changes when content does.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)


def cache_root() -> Path:
    base = os.environ.get("MWAA_PR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mwaa-pause-resume"
    )
    return Path(base) / "infra"


def digest_files(entries: Iterable[tuple[Path, str]], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for source, arcname in sorted(entries, key=lambda e: e[1]):
        h.update(arcname.encode() + b"\0")
        h.update(source.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


def write_zip(target: Path, entries: Iterable[tuple[Path, str]]) -> Path:
    """Write ``entries`` (source file, name in the archive) to ``target`` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for source, arcname in sorted(entries, key=lambda e: e[1]):
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, source.read_bytes())
    partial.replace(target)
    return target


def reuse_or_prune(target: Path, prefix: str, keep: int = 4) -> bool:
    """Whether ``target`` exists (its mtime is refreshed); drop older siblings past ``keep``.

    Each source change makes a new content-addressed entry: keep the cache bounded.
    """
    exists = target.exists()
    if exists:
        os.utime(target)
    siblings = sorted(
        (
            p
            for p in target.parent.glob(f"{prefix}*")
            if p != target and not p.name.endswith("partial")
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in siblings[keep:]:
        if old.is_dir():
            import shutil

            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return exists
