"""The production bundle's standalone check (issue 15 point 5) on damaged ZIP files: a byte flipped
anywhere in the file never ends in a traceback, and one flipped in a member's stored data names
that member (when the flip changes what the member decompresses to: some bits of a deflate
stream, such as padding, change nothing)."""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.audit.bundle import MANIFEST_JSON, check_bundle, file_entry, signed_manifest


def _bundle() -> tuple[bytes, dict[str, bytes]]:
    # Seeded: the same bytes, hence the same flips, on every run.
    seeded = random.Random(15)
    noise = seeded.randbytes(2000)
    members = {"case-files/C-001.pdf": noise + b"%PDF " * 400, "redaction-log.csv": b"candidate\n" * 300}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        manifest = signed_manifest(
            {"files": [file_entry(n, c) for n, c in members.items()]},
            Ed25519PrivateKey.from_private_bytes(seeded.randbytes(32)),
        )
        archive.writestr(MANIFEST_JSON, manifest)
    return buffer.getvalue(), members


def _inflates_to(stream: bytes, expected: bytes) -> bool:
    """Whether a member's raw deflate ``stream`` still decompresses, whole, to ``expected``."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        content = inflater.decompress(stream) + inflater.flush()
    except zlib.error:
        return False
    return inflater.eof and content == expected


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
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    for position in range(0, len(raw), 7):
        damaged = bytearray(raw)
        damaged[position] ^= 0x01
        path.write_bytes(damaged)
        result = check_bundle(path)  # never raises
        for name, (start, size) in spans.items():
            if start <= position < start + size:
                if _inflates_to(bytes(damaged[start : start + size]), contents[name]):
                    continue  # a bit deflate ignores (a padding bit): the member is unchanged
                assert not result.ok, (name, position)
                assert result.broken == name, (name, position, result.summary())
