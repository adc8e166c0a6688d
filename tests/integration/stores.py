"""The two store backends behind one test harness, so the same storage tests run against both.

``Backend`` reaches under the store (the folder, or the bucket through its own S3 client) to
read raw bytes and to fake what a crash or an operator leaves; the store under test never
helps. Locations are relative to the store's root folder or key prefix, as ``StoredFile`` has them.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import boto3
from moto.server import ThreadedMotoServer

from vetting.storage import TEMP_SUFFIX, EncryptedStore, LocalStore
from vetting.storage.s3 import S3Store

#: Credentials moto accepts; boto3 reads them from the environment like the app does in production.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Nothing leaves 127.0.0.1, whatever proxy the machine has.
    "NO_PROXY": "127.0.0.1",
    "no_proxy": "127.0.0.1",
}
#: boto3 settings of the machine's user that must not leak into a test.
S3_UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class Backend(Protocol):
    store: Any

    def final(self, name: str) -> str: ...
    def temp(self, name: str) -> str: ...
    def files(self) -> set[str]: ...
    def exists(self, location: str) -> bool: ...
    def raw(self, location: str) -> bytes: ...
    def write(self, location: str, data: bytes) -> None: ...
    def move(self, source: str, target: str) -> None: ...
    def unlink(self, location: str) -> None: ...
    def age_all(self, seconds: float) -> None: ...
    def empty(self) -> EncryptedStore: ...


class LocalBackend:
    def __init__(self, root: Path) -> None:
        self.store = LocalStore(root)
        self.root = self.store.root

    def final(self, name: str) -> str:
        return f"{name[:2]}/{name}"

    def temp(self, name: str) -> str:
        return f"{name[:2]}/{name}{TEMP_SUFFIX}"

    def files(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}

    def exists(self, location: str) -> bool:
        return (self.root / location).is_file()

    def raw(self, location: str) -> bytes:
        return (self.root / location).read_bytes()

    def write(self, location: str, data: bytes) -> None:
        path = self.root / location
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def move(self, source: str, target: str) -> None:
        os.replace(self.root / source, self.root / target)

    def unlink(self, location: str) -> None:
        (self.root / location).unlink()

    def age_all(self, seconds: float) -> None:
        then = time.time() - seconds
        for path in self.root.rglob("*"):
            os.utime(path, (then, then))

    def empty(self) -> EncryptedStore:
        return LocalStore(self.root.parent / "nothing-yet")


class S3Backend:
    def __init__(self, endpoint: str, bucket: str, prefix: str = "vetting/evidence") -> None:
        self.bucket, self.prefix, self.endpoint = bucket, prefix, endpoint
        self.store = S3Store(bucket, prefix, endpoint_url=endpoint)
        self.client = boto3.client("s3", endpoint_url=endpoint)

    def _key(self, location: str) -> str:
        return f"{self.prefix}/{location}"

    def final(self, name: str) -> str:
        return f"{name[:2]}/{name}"

    def temp(self, name: str) -> str:
        return f"tmp/{name}"

    def keys(self) -> set[str]:
        """Every key in the bucket, under the prefix or not."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def files(self) -> set[str]:
        base = f"{self.prefix}/"
        return {key.removeprefix(base) for key in self.keys() if key.startswith(base)}

    def exists(self, location: str) -> bool:
        return location in self.files()

    def raw(self, location: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(location))["Body"].read()
        return body

    def write(self, location: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(location), Body=data)

    def move(self, source: str, target: str) -> None:
        self.write(target, self.raw(source))
        self.unlink(source)

    def unlink(self, location: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(location))

    def age_all(self, seconds: float) -> None:
        """S3 sets LastModified itself: the store's clock moves forward instead."""
        self.store.now = lambda: time.time() + seconds

    def empty(self) -> EncryptedStore:
        return S3Store(self.bucket, "nothing-yet", endpoint_url=self.endpoint)


def moto_server() -> Iterator[str]:
    """moto's S3-compatible server on a free port of 127.0.0.1; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        _host, port = server.get_host_and_port()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> str:
    """A fresh bucket of this test's own."""
    name = f"vetting-test-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name
