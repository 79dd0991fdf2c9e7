"""Where a snapshot's files live: a local directory or an S3 prefix.

A store is ONE snapshot's folder (``<env>/<snapshot-id>/``); names inside it are
relative (``manifest.json``, ``tables/dag_run.csv.gz``). Writes stream with
bounded memory: local files go to a temporary name and are renamed when
complete, S3 objects go up as a multipart upload (or one PUT when small) that
is aborted on error, so a half-written object never appears under its name.

One module (a little over 400 lines) because the two stores are one interface: a reader
sees the local and the S3 implementation of each operation side by side.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.parsing import loads_json
from mwaa_pause_resume.shared.aws_error_fields import NOT_FOUND_OBJECT_CODES, error_code

PART_SIZE = 8 * 1024 * 1024  # S3 multipart part size; S3 requires >= 5 MiB except the last


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class SnapshotStore(Protocol):
    """The operations the engine needs from a snapshot folder."""

    location: str
    kms_key_id: str | None

    def open_write(self, name: str) -> contextlib.AbstractContextManager[Writable]: ...
    def open_read(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...
    def exists(self, name: str) -> bool: ...
    def size(self, name: str) -> int | None: ...
    def list(self, prefix: str = "") -> list[str]: ...
    def delete_prefix(self, prefix: str = "") -> None: ...
    def put_json(self, name: str, data: Any) -> None: ...
    def get_json(self, name: str) -> Any: ...
    def kms_client(self) -> Any: ...


def _check_name(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad object name in snapshot: {name!r}")
    return name


class _JsonMixin:
    def put_json(self, name: str, data: Any) -> None:
        payload = json.dumps(data, indent=2, sort_keys=False).encode()
        with self.open_write(name) as out:  # type: ignore[attr-defined]
            out.write(payload)

    def get_json(self, name: str) -> Any:
        if not self.exists(name):  # type: ignore[attr-defined]
            raise SnapshotInvalid(
                f"{name} not found in snapshot {self.location}",  # type: ignore[attr-defined]
                hint="check the snapshot location (it must be one snapshot's folder)",
            )
        with self.open_read(name) as src:  # type: ignore[attr-defined]
            raw = src.read()
        try:
            return loads_json(raw)
        except ValueError as exc:
            raise SnapshotInvalid(
                f"{name} in {self.location} is not valid JSON: {exc}",  # type: ignore[attr-defined]
                hint="the snapshot is damaged; use another snapshot",
            ) from None


class LocalStore(_JsonMixin):
    """A snapshot folder on the local file system."""

    def __init__(
        self, root: str | os.PathLike[str], kms_key_id: str | None = None, kms_client: Any = None
    ) -> None:
        self.root = Path(root)
        self.location = str(self.root)
        self.kms_key_id = kms_key_id
        self._kms = kms_client
        self._unsynced: list[Path] | None = None  # files renamed in place, fsync pending

    @contextlib.contextmanager
    def synced_together(self) -> Iterator[None]:
        """Files written inside are fsynced together when it ends, not one by one.

        Each is complete under its final name when its ``open_write`` ends, but durable
        only at the end of this block: in parallel (the file system commits concurrent
        fsyncs together), then their folders. The manifest, written after, makes a
        snapshot complete, so a crash before never leaves a complete-looking snapshot.
        """
        self._unsynced = []
        try:
            yield
            _fsync_all(self._unsynced)
        finally:
            self._unsynced = None

    def _path(self, name: str) -> Path:
        """``name`` under the folder; a symbolic link on the way is refused, not followed.

        A link could point a table file (or ``tables/``) anywhere on the machine: another
        environment's snapshot on restore, or a file the export would overwrite. The
        folder itself may be a link (the user chose it); only what is inside counts.
        """
        current = self.root
        for part in _check_name(name).split("/"):
            current = current / part
            if current.is_symlink():
                raise SnapshotInvalid(
                    f"{current.relative_to(self.root).as_posix()} in snapshot {self.location} "
                    f"is a symbolic link (to {os.readlink(current)}); a snapshot folder holds "
                    "regular files only",
                    hint="copy the snapshot's files themselves (cp -rL, rsync -L), not links",
                )
        return current

    @contextlib.contextmanager
    def open_write(self, name: str) -> Iterator[Writable]:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb", buffering=1024 * 1024) as handle:
                yield handle
                handle.flush()
                if self._unsynced is None:
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
            if self._unsynced is not None:
                self._unsynced.append(path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def open_read(self, name: str) -> Iterator[IO[bytes]]:
        path = self._path(name)
        try:
            # O_NOFOLLOW: a link put there after the check above is refused too (ELOOP)
            handle = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")
        except FileNotFoundError:
            raise SnapshotInvalid(
                f"{name} not found in snapshot {self.location}",
                hint="the snapshot is incomplete; use another snapshot",
            ) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._path(name)  # raises, naming the link
            raise
        with handle:
            yield handle

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int | None:
        path = self._path(name)
        return path.stat().st_size if path.is_file() else None

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root).as_posix()
            if path.is_file() and rel.startswith(prefix) and not path.name.endswith(".part"):
                found.append(rel)
        return sorted(found)

    def delete_prefix(self, prefix: str = "") -> None:
        if not prefix:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for name in self.list(prefix):
            self._path(name).unlink(missing_ok=True)

    def kms_client(self) -> Any:
        if self._kms is None:
            import boto3

            self._kms = boto3.client("kms")
        return self._kms


def _fsync_all(paths: list[Path]) -> None:
    """fsync every file, then every folder holding one (their renames), a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def sync(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if not paths:
        return
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(sync, paths))
        list(pool.map(sync, sorted({p.parent for p in paths})))


def synced_together(store: SnapshotStore) -> contextlib.AbstractContextManager[None]:
    """:meth:`LocalStore.synced_together` for a local store; nothing for S3, whose objects
    are durable once their upload completes."""
    if isinstance(store, LocalStore):
        return store.synced_together()
    return contextlib.nullcontext()


class _MultipartWriter:
    """File-like writer that uploads 8 MiB parts as they fill (bounded memory)."""

    def __init__(self, store: S3Store, key: str) -> None:
        self._store = store
        self._key = key
        self._buf = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes, /) -> int:
        self._buf += data
        if len(self._buf) >= PART_SIZE:
            self._flush_part()
        return len(data)

    def _flush_part(self) -> None:
        s3 = self._store.client
        if self._upload_id is None:
            started = s3.create_multipart_upload(
                Bucket=self._store.bucket, Key=self._key, **self._store.sse_args()
            )
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        done = s3.upload_part(
            Bucket=self._store.bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buf),
        )
        self._parts.append({"PartNumber": number, "ETag": done["ETag"]})
        self._buf.clear()

    def complete(self) -> None:
        s3 = self._store.client
        if self._upload_id is None:  # small object: one PUT
            s3.put_object(
                Bucket=self._store.bucket,
                Key=self._key,
                Body=bytes(self._buf),
                **self._store.sse_args(),
            )
            return
        if self._buf:
            self._flush_part()
        s3.complete_multipart_upload(
            Bucket=self._store.bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id
                )


class S3Store(_JsonMixin):
    """A snapshot folder under ``s3://bucket/prefix/``; SSE-KMS when a key is given.

    ``access_point``: an S3 access point's ARN on that bucket, which every call then goes
    through (the DAGs reach the backup bucket only through their environment's).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        kms_key_id: str | None = None,
        s3_client: Any = None,
        kms_client: Any = None,
        access_point: str | None = None,
    ) -> None:
        self.bucket = access_point or bucket  # what the S3 calls name
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.location = f"s3://{bucket}/{self.prefix}"
        self.kms_key_id = kms_key_id
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        self.client = s3_client
        self._kms = kms_client

    def _key(self, name: str) -> str:
        return self.prefix + _check_name(name)

    def sse_args(self) -> dict[str, str]:
        if not self.kms_key_id:
            return {}
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}

    @contextlib.contextmanager
    def open_write(self, name: str) -> Iterator[Writable]:
        writer = _MultipartWriter(self, self._key(name))
        try:
            yield writer
            writer.complete()
        except BaseException:
            writer.abort()
            raise

    @contextlib.contextmanager
    def open_read(self, name: str) -> Iterator[IO[bytes]]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise SnapshotInvalid(
                f"{name} not found in snapshot {self.location}",
                hint="the snapshot is incomplete; use another snapshot",
            ) from None
        try:
            yield body
        finally:
            body.close()

    def _head(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND_OBJECT_CODES:
                return None
            raise
        return head

    def exists(self, name: str) -> bool:
        return self._head(name) is not None

    def size(self, name: str) -> int | None:
        head = self._head(name)
        return None if head is None else int(head["ContentLength"])

    def list(self, prefix: str = "") -> list[str]:
        names: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            names += [obj["Key"][len(self.prefix) :] for obj in page.get("Contents", [])]
        return sorted(names)

    def delete_prefix(self, prefix: str = "") -> None:
        names = self.list(prefix)
        for start in range(0, len(names), 1000):
            chunk = names[start : start + 1000]
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": self.prefix + n} for n in chunk], "Quiet": True},
            )

    def kms_client(self) -> Any:
        if self._kms is None:
            import boto3

            # The key's own region first: a spoke environment's DAG uses the hub's key, in
            # the hub's region (docs/fleet.md); else the bucket client's.
            region = key_region(self.kms_key_id) or getattr(
                getattr(self.client, "meta", None), "region_name", None
            )
            self._kms = boto3.client("kms", region_name=region)
        return self._kms


def key_region(key_id: str | None) -> str | None:
    """The region in a KMS key ARN (``arn:aws:kms:<region>:...``); None for an id or alias."""
    parts = (key_id or "").split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def open_store(
    location: str,
    *,
    kms_key_id: str | None = None,
    s3_client: Any = None,
    kms_client: Any = None,
    access_point: str | None = None,
) -> SnapshotStore:
    """A store for one snapshot folder: a local path or ``s3://bucket/prefix/`` (reached
    through ``access_point``, an access point's ARN on that bucket, when given)."""
    if location.startswith("s3://"):
        bucket, _, prefix = location[len("s3://") :].partition("/")
        if not bucket:
            raise SnapshotInvalid(f"{location!r} names no bucket", hint="write s3://BUCKET/PREFIX/")
        return S3Store(
            bucket,
            prefix,
            kms_key_id=kms_key_id,
            s3_client=s3_client,
            kms_client=kms_client,
            access_point=access_point,
        )
    if "://" in location:
        raise SnapshotInvalid(
            f"unsupported snapshot location {location!r}",
            hint="use a local directory or s3://BUCKET/PREFIX/",
        )
    return LocalStore(location, kms_key_id=kms_key_id, kms_client=kms_client)
