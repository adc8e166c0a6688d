"""S3-compatible object storage (boto3): the store for more than one server.

The objects are exactly the sealed bytes the local store writes: the app encrypts before the
upload, and server-side encryption is not relied on. Keys mirror the local layout under the
configured prefix: ``<prefix>/<ab>/<name>`` for a published file and ``<prefix>/tmp/<name>``
for a staged one (``tmp`` is not hex, so it never collides with a published file's folder).
Publishing is a server-side copy to the final key, then the staged object's removal; the age
of an object is counted from its ``LastModified``.

The endpoint and the credentials come from boto3's own sources (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a role), or the
endpoint from ``VETTING_S3_ENDPOINT_URL``; they are never part of the settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from vetting.crypto import DataKey
from vetting.storage.base import JOBS_FOLDER, FileMissing, StorageError, StoredFile, checked_name, is_name, new_name

#: The key folder (under the prefix) of staged objects.
TEMP_FOLDER = "tmp"
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))


@contextmanager
def _calling(operation: str) -> Iterator[None]:
    """Turn boto3's errors into :class:`StorageError`, naming the operation and S3's error code only."""
    try:
        yield
    except ClientError as error:
        if _code(error) in _MISSING:
            raise FileMissing("stored file is missing") from None
        raise StorageError(f"object storage: {operation} failed ({_code(error)})") from error
    except BotoCoreError as error:
        raise StorageError(f"object storage: {operation} failed ({type(error).__name__})") from error


class S3Store:
    """Sealed objects in one bucket, under a key prefix, under random hex names."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.description = f"s3://{bucket}/{self.prefix}"
        #: The clock an object's age is measured against.
        self.now = now
        self._base = f"{self.prefix}/" if self.prefix else ""
        # A client is thread-safe; each process (a gunicorn worker) builds its own runtime.
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3}),
        )

    def _final(self, name: str) -> str:
        checked_name(name)
        return f"{self._base}{name[:2]}/{name}"

    def _temp(self, name: str) -> str:
        checked_name(name)
        return f"{self._base}{TEMP_FOLDER}/{name}"

    @staticmethod
    def new_name() -> str:
        return new_name()

    def stage(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        """Seal, then upload under the temporary key (S3 stores an object whole or not at all)."""
        sealed = key.seal(plaintext, purpose)
        with _calling("upload"):
            self._client.put_object(
                Bucket=self.bucket, Key=self._temp(name), Body=sealed, ContentType="application/octet-stream"
            )

    def publish(self, name: str) -> None:
        """Copy the staged object to its final key, then remove the staged one."""
        source = {"Bucket": self.bucket, "Key": self._temp(name)}
        with _calling("publish"):
            self._client.copy_object(Bucket=self.bucket, Key=self._final(name), CopySource=source)
            self._client.delete_object(**source)

    def put(self, name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        self.stage(name, key, plaintext, purpose)
        self.publish(name)

    def get(self, name: str, key: DataKey, purpose: str) -> bytes:
        with _calling("download"):
            response = self._client.get_object(Bucket=self.bucket, Key=self._final(name))
            sealed = cast(bytes, response["Body"].read())
        return key.open(sealed, purpose)

    def delete(self, name: str) -> None:
        # One request per key: DeleteObjects needs checksum headers some S3-compatible servers refuse.
        with _calling("delete"):
            for key in (self._final(name), self._temp(name)):
                self._client.delete_object(Bucket=self.bucket, Key=key)

    def remove(self, found: StoredFile) -> bool:
        if found.kind == "other":
            raise StorageError("only the store's own files are removed")
        key = self._temp(found.name) if found.kind == "temp" else self._final(found.name)
        if key != f"{self._base}{found.location}":
            raise StorageError("key outside the store")
        try:
            with _calling("remove"):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except FileMissing:
            return False
        with _calling("remove"):
            self._client.delete_object(Bucket=self.bucket, Key=key)
        return True

    def scan(self) -> Iterator[StoredFile]:
        """Every object under the prefix, in key order, page by page (not under the jobs' folder:
        a store of its own)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._base)
        with _calling("listing"):
            for page in pages:
                for item in page.get("Contents", []):
                    location = str(item["Key"])[len(self._base) :]
                    if location.startswith(f"{JOBS_FOLDER}/"):
                        continue
                    age = max(0.0, self.now() - item["LastModified"].timestamp())
                    yield StoredFile(*_classify(location), location, int(item["Size"]), age)


def _classify(location: str) -> tuple[Literal["final", "temp", "other"], str]:
    """``(kind, name)`` of the object at ``location`` (relative to the prefix)."""
    folder, _, name = location.partition("/")
    if is_name(name) and folder == TEMP_FOLDER:
        return "temp", name
    if is_name(name) and folder == name[:2]:
        return "final", name
    return "other", location
