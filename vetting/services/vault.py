"""One candidate's content, sealed under that candidate's data key (PRODUCT.md §4).

Every ciphertext binds "candidate:<id>:<field>:<record id>" as associated data, so a
value copied to another field, record or candidate fails to decrypt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vetting.crypto import DataKey, Keyring
from vetting.errors import Conflict
from vetting.models import Candidate


def wrapped_key_purpose(candidate_id: int) -> str:
    return f"data-key:candidate:{candidate_id}"


def new_wrapped_key(keyring: Keyring, candidate_id: int) -> str:
    return keyring.encrypt(DataKey.generate(), wrapped_key_purpose(candidate_id))


class CandidateVault:
    """Seal and open the fields of one candidate's records."""

    def __init__(self, keyring: Keyring, candidate: Candidate) -> None:
        if candidate.wrapped_key is None:
            raise Conflict("This candidate's data has been erased.", code="candidate_erased")
        self.candidate_id = candidate.id
        self.key = DataKey(keyring.decrypt(candidate.wrapped_key, wrapped_key_purpose(candidate.id)))

    def purpose(self, field_name: str, record_id: int | str) -> str:
        return f"candidate:{self.candidate_id}:{field_name}:{record_id}"

    def seal(self, text: str, field_name: str, record_id: int | str) -> str:
        return self.key.encrypt_text(text, self.purpose(field_name, record_id))

    def open(self, token: str, field_name: str, record_id: int | str) -> str:
        return self.key.decrypt_text(token, self.purpose(field_name, record_id))

    def open_optional(self, token: str | None, field_name: str, record_id: int | str) -> str | None:
        return None if token is None else self.open(token, field_name, record_id)


@dataclass(frozen=True)
class Profile:
    """What the candidate listed about themselves (decrypted)."""

    name: str
    aliases: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    profile_urls: list[str] = field(default_factory=list)
    region: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "aliases": self.aliases,
                "handles": self.handles,
                "profile_urls": self.profile_urls,
                "region": self.region,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Profile:
        data: dict[str, Any] = json.loads(raw)
        return cls(**data)

    def identifiers(self) -> list[str]:
        """Strings that name the candidate (masked by the search-term linter)."""
        handles = [h.lstrip("@") for h in self.handles]
        return [self.name, *self.aliases, *self.handles, *handles]


def read_profile(vault: CandidateVault, candidate: Candidate) -> Profile:
    return Profile.from_json(vault.open(candidate.profile_enc, "profile", candidate.id))
