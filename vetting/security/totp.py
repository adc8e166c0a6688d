"""TOTP (RFC 6238) with single use of each code (ASVS 2.8.4)."""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "vetting"
#: Accept the previous and next 30-second step for clock drift (RFC 6238 §5.2).
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def current_code(secret: str, now: datetime) -> str:
    return pyotp.TOTP(secret).at(now)


def matching_counter(secret: str, code: str, now: datetime, last_counter: int | None) -> int | None:
    """Return the time step ``code`` belongs to, or ``None``.

    A step at or before ``last_counter`` was already used (or is older than one that
    was), so it is refused: a code is accepted once, whatever worker sees it.
    """
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()) or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_counter = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        counter = now_counter + offset
        if secrets.compare_digest(totp.generate_otp(counter), code):
            if last_counter is not None and counter <= last_counter:
                return None
            return counter
    return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI (no inline script, allowed by ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")


def new_recovery_codes(count: int = 10) -> list[str]:
    """80-bit random codes, grouped for reading aloud: ``abcd-efgh-ijkl-mnop``."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "").replace("-", "")
