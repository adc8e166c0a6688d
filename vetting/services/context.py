"""Infrastructure handed to services that need more than a session (built once)."""

from __future__ import annotations

from dataclasses import dataclass

from vetting.config import Settings
from vetting.crypto import SecretBox
from vetting.security.passwords import Passwords


@dataclass(frozen=True)
class Security:
    """Password hasher, secret box and login limits, from :class:`Settings`."""

    settings: Settings
    passwords: Passwords
    secrets: SecretBox

    @classmethod
    def from_settings(cls, settings: Settings) -> Security:
        return cls(settings, Passwords(settings.password_hashing), SecretBox(settings.master_key))
