"""The raw archive: every delivery file stored unchanged, addressed by its content hash."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from shouwang.landing.discover import Delivery


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_file(delivery: Delivery, sha256: str, archive_dir: Path) -> Path:
    """Copy the file into the archive (idempotent; written atomically, then made read-only)."""
    feed = delivery.feed
    target = (
        archive_dir / feed.dept / feed.feed / f"{delivery.extract_date:%Y%m%d}_{sha256[:16]}.{feed.extension}"
    )
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    shutil.copyfile(delivery.path, tmp)
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)
    return target
