"""One candidate's content, sealed under that candidate's data key (PRODUCT.md §4).

Every ciphertext binds "candidate:<id>:<purpose>:<record id>" as associated data, so a
value copied to another field, record or candidate fails to decrypt. Each model declares
its sealed values once (``Model.sealed``: purpose and record id); the helpers below seal
and open them by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from vetting.crypto import DataKey, HasSealed, Keyring, Sealed
from vetting.errors import CandidateDisposed
from vetting.models import Candidate

R = TypeVar("R", bound=HasSealed)

#: What a disposed candidate shows where their name or content would be (issue 15: the data key
#: was destroyed under the retention schedule, so nothing of theirs can be opened).
DISPOSED = "disposed"


def wrapped_key_purpose(candidate_id: int) -> str:
    return f"data-key:candidate:{candidate_id}"


def new_wrapped_key(keyring: Keyring, candidate_id: int) -> str:
    return keyring.encrypt(DataKey.generate(), wrapped_key_purpose(candidate_id))


def _declared(row: HasSealed, name: str, *, stored: bool = False) -> Sealed:
    declared = type(row).sealed[name]
    if declared.stored != stored:
        raise TypeError(f"{type(row).__name__}.{name} is {'' if declared.stored else 'not '}a stored file")
    return declared


class CandidateVault:
    """Seal and open the fields of one candidate's records."""

    def __init__(self, keyring: Keyring, candidate: Candidate) -> None:
        if candidate.wrapped_key is None:
            raise CandidateDisposed(
                f"Candidate {candidate.code}: {DISPOSED}. Their records were disposed of under the retention "
                "schedule and their content no longer exists.",
                candidate_id=candidate.id,
            )
        self.candidate_id = candidate.id
        self.key = DataKey(keyring.decrypt(candidate.wrapped_key, wrapped_key_purpose(candidate.id)))

    def _purpose(self, declared: Sealed, row: HasSealed) -> str:
        """The associated data: "candidate:<id>:<purpose>:<record id>"."""
        return f"candidate:{self.candidate_id}:{declared.purpose}:{declared.record_id(row)}"

    def file_purpose(self, row: HasSealed, name: str) -> str:
        """The associated data of ``row``'s file ``name`` in the encrypted store."""
        return self._purpose(_declared(row, name, stored=True), row)

    def sealed(self, row: HasSealed, name: str, text: str) -> str:
        """The ciphertext of ``text`` for ``row``'s field ``name``, for a model transition to store."""
        return self.key.encrypt_text(text, self._purpose(_declared(row, name), row))

    def seal_field(self, row: HasSealed, name: str, text: str | None) -> None:
        """Seal ``text`` into ``row``'s column ``<name>_enc`` (None clears it)."""
        setattr(row, f"{name}_enc", None if text is None else self.sealed(row, name, text))

    def open_optional_field(self, row: HasSealed, name: str) -> str | None:
        token: str | None = getattr(row, f"{name}_enc")
        return None if token is None else self.key.decrypt_text(token, self._purpose(_declared(row, name), row))

    def open_field(self, row: HasSealed, name: str) -> str:
        text = self.open_optional_field(row, name)
        if text is None:
            raise ValueError(f"{type(row).__name__}.{name} is not set")
        return text

    def add_sealed(self, session: Session, row: R, **texts: str | None) -> R:
        """Add ``row`` with ``texts`` sealed into its fields.

        The record id is part of the associated data, so the row is written first: with ""
        where a value follows (keeping NOT NULL and CHECK constraints satisfied), then sealed.
        """
        for name, text in texts.items():
            _declared(row, name)
            setattr(row, f"{name}_enc", None if text is None else "")
        session.add(row)
        session.flush()
        for name, text in texts.items():
            self.seal_field(row, name, text)
        session.flush()
        return row


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
    return Profile.from_json(vault.open_field(candidate, "profile"))
