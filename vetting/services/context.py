"""Infrastructure handed to services that need more than a session (built once)."""

from __future__ import annotations

from dataclasses import dataclass

from vetting.config import Settings
from vetting.crypto import Keyring
from vetting.security.passwords import Passwords


@dataclass(frozen=True)
class Security:
    """Password hasher, master keyring and login limits, from :class:`Settings`."""

    settings: Settings
    passwords: Passwords
    keyring: Keyring

    @classmethod
    def from_settings(cls, settings: Settings) -> Security:
        older = [k for k in (settings.master_key_next, settings.master_key_previous) if k]
        keyring = Keyring(settings.master_key, older)
        return cls(settings, Passwords(settings.password_hashing), keyring)
