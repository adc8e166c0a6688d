"""The production bundle's signed manifest, and the standalone check an outside party runs on it.

A production bundle (issue 15 point 5, RET-08) is a ZIP: case-file PDFs, native files, a
redaction log, ``manifest.csv`` and ``manifest.json``. The JSON manifest lists every other
member with its SHA-256 and size, and is signed with the audit key (Ed25519) the way the audit
export's header is (:func:`vetting.audit.export.header_message`): over canonical JSON of every
field but the signature, under a purpose of its own, so a manifest's signature never reads as
a checkpoint's or an export header's. Checking needs Python and ``cryptography`` only::

    vetting production verify bundle.zip --public-key audit_signing_key.pub.pem
    python -m vetting.audit.bundle bundle.zip

It exits 1 naming the first member that differs, is missing or is not listed. Compare the key
id printed with the one the agency publishes: a key taken from the bundle itself proves only
that the bundle agrees with itself.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from vetting.audit.chain import canonical_json, public_key_id, public_key_pem

FORMAT = "vetting-production/1"
#: What reading a damaged member raises (a bad CRC, a broken deflate stream, a cut file, a header
#: naming a method that does not exist or encryption): the member is named as unreadable, never a
#: traceback.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError)
#: Set apart from checkpoint and export-header signatures.
MANIFEST_PURPOSE = "vetting-production manifest"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"


def manifest_message(manifest: dict[str, Any]) -> bytes:
    """What the manifest's signature covers: every field but the signature itself."""
    fields = {k: v for k, v in manifest.items() if k != "signature"}
    return canonical_json({"purpose": MANIFEST_PURPOSE, "manifest": fields}).encode()


def file_entry(path: str, content: bytes) -> dict[str, Any]:
    return {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}


def signed_manifest(fields: dict[str, Any], signing_key: Ed25519PrivateKey) -> bytes:
    """``manifest.json``: ``fields`` (with ``files``) plus the format, the key and the signature."""
    public_key = signing_key.public_key()
    manifest = {
        "format": FORMAT,
        **fields,
        "key_id": public_key_id(public_key),
        "public_key_pem": public_key_pem(public_key),
    }
    manifest["signature"] = base64.b64encode(signing_key.sign(manifest_message(manifest))).decode()
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True)
class BundleCheck:
    ok: bool
    key_id: str
    key_from_file: bool
    files: int
    #: The first member that failed (``manifest.json`` for the signature), or ``None``.
    broken: str | None = None
    reason: str | None = None

    def summary(self) -> str:
        if self.ok:
            return f"Production bundle OK: {self.files} files match the manifest signed by key {self.key_id}"
        return f"Production bundle BROKEN at {self.broken}: {self.reason}"


def _broken(key_id: str, from_file: bool, files: int, member: str, reason: str) -> BundleCheck:
    return BundleCheck(False, key_id, from_file, files, member, reason)


def _public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def check_bundle(path: Path, public_key: Ed25519PublicKey | None = None) -> BundleCheck:
    """Check ``path``'s manifest signature, then each listed member's hash, then that nothing else is there."""
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE as error:
        return _broken("", public_key is None, 0, path.name, f"not a readable ZIP file ({error})")
    with archive:
        names = archive.namelist()
        try:
            manifest = json.loads(archive.read(MANIFEST_JSON))
        except KeyError:
            return _broken("", public_key is None, 0, MANIFEST_JSON, "missing")
        except UNREADABLE as error:  # json's errors are ValueErrors
            return _broken("", public_key is None, 0, MANIFEST_JSON, f"unreadable ({error})")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            return _broken("", public_key is None, 0, MANIFEST_JSON, f"not a {FORMAT} manifest")
        from_file = public_key is None
        try:
            key = public_key or _public_key(str(manifest.get("public_key_pem", "")))
            key.verify(base64.b64decode(str(manifest.get("signature", "")), validate=True), manifest_message(manifest))
        except (ValueError, binascii.Error, InvalidSignature):
            key_id = public_key_id(public_key) if public_key else str(manifest.get("key_id", ""))
            return _broken(key_id, from_file, 0, MANIFEST_JSON, "the signature does not match the manifest")
        key_id = public_key_id(key)
        files = manifest.get("files")
        if not isinstance(files, list):
            return _broken(key_id, from_file, 0, MANIFEST_JSON, "lists no files")
        found = _first_difference(archive, names, files)
        if found is not None:
            return _broken(key_id, from_file, len(files), *found)
        return BundleCheck(True, key_id, from_file, len(files))


def _first_difference(archive: zipfile.ZipFile, names: list[str], files: list[Any]) -> tuple[str, str] | None:
    """(member, why) of the first listed member missing or changed, then of the first not listed."""
    listed: set[str] = set()
    for entry in files:
        member = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        listed.add(member)
        if member not in names:
            return member, "missing from the bundle"
        try:
            content = archive.read(member)
        except UNREADABLE as error:
            return member, f"unreadable ({error})"
        if hashlib.sha256(content).hexdigest() != entry.get("sha256") or len(content) != entry.get("bytes"):
            return member, "its SHA-256 differs from the manifest's"
    for member in names:
        if member != MANIFEST_JSON and member not in listed:
            return member, "in the bundle but not in the manifest"
        if names.count(member) > 1:
            return member, "stored twice"
    return None


def main(argv: Sequence[str] | None = None, prog: str = "vetting production verify") -> None:
    parser = argparse.ArgumentParser(prog=prog, description="Check a production bundle's signature and every hash.")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--public-key", type=Path, help="the agency's published audit public key (PEM)")
    args = parser.parse_args(argv)
    public_key = None
    if args.public_key:
        try:
            public_key = _public_key(args.public_key.read_bytes())
        except (OSError, ValueError) as error:
            print(f"Cannot read the public key: {error}", file=sys.stderr)
            sys.exit(2)
    result = check_bundle(args.bundle, public_key)
    print(result.summary())
    if result.key_from_file and result.key_id:
        print(
            "Warning: the key was taken from the bundle itself; pass --public-key with the agency's published key.",
            file=sys.stderr,
        )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main(prog="python -m vetting.audit.bundle")
