"""The production bundle's standalone check (issue 15 point 5) on damaged ZIP files: a byte flipped
anywhere in the file never ends in a traceback, and one flipped in a member's stored data names
that member."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.audit.bundle import MANIFEST_JSON, check_bundle, file_entry, signed_manifest


def _bundle() -> tuple[bytes, dict[str, bytes]]:
    members = {"case-files/C-001.pdf": os.urandom(2000) + b"%PDF " * 400, "redaction-log.csv": b"candidate\n" * 300}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        manifest = signed_manifest(
            {"files": [file_entry(n, c) for n, c in members.items()]}, Ed25519PrivateKey.generate()
        )
        archive.writestr(MANIFEST_JSON, manifest)
    return buffer.getvalue(), members


def test_a_flipped_byte_anywhere_is_reported_never_raised(tmp_path: Path) -> None:
    raw, _ = _bundle()
    path = tmp_path / "bundle.zip"
    path.write_bytes(raw)
    assert check_bundle(path).ok
    with zipfile.ZipFile(path) as archive:
        spans = {
            info.filename: (info.header_offset + 30 + len(info.filename.encode()), info.compress_size)
            for info in archive.infolist()
        }
    for position in range(0, len(raw), 7):
        damaged = bytearray(raw)
        damaged[position] ^= 0x01
        path.write_bytes(damaged)
        result = check_bundle(path)  # never raises
        for name, (start, size) in spans.items():
            if start <= position < start + size:
                assert not result.ok, (name, position)
                assert result.broken == name, (name, position, result.summary())
