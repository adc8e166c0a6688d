"""Sealed fields are declared once per model; the declarations bind exactly today's bytes.

Ciphertexts already stored must keep opening: each declared field's associated data is
checked against the literal "candidate:<id>:<purpose>:<record id>" the services built by
hand before the declarations existed.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import Text, inspect

from vetting.crypto import HasSealed, Keyring
from vetting.models import (
    Base,
    BoardQuestion,
    Candidate,
    CandidateResponse,
    Consent,
    Decision,
    Evidence,
    Finding,
    FindingMention,
    FindingRelease,
    ItemResolution,
    Recommendation,
    SearchLogEntry,
    SelfIdentification,
    ValidationStep,
)
from vetting.services.vault import CandidateVault, new_wrapped_key

CANDIDATE_ID = 7


@pytest.fixture
def vault() -> CandidateVault:
    keyring = Keyring(secrets.token_bytes(32))
    return CandidateVault(keyring, Candidate(id=CANDIDATE_ID, wrapped_key=new_wrapped_key(keyring, CANDIDATE_ID)))


#: (row, field, the purpose string the services used to spell out)
TEXT_FIELDS: list[tuple[Any, str, str]] = [
    (Candidate(id=7), "profile", "candidate:7:profile:7"),
    (ItemResolution(id=11), "reason", "candidate:7:resolution-reason:11"),
    (ItemResolution(id=11), "notes", "candidate:7:resolution-notes:11"),
    (SearchLogEntry(id=12), "query", "candidate:7:search-query:12"),
    (SearchLogEntry(id=12), "source", "candidate:7:search-source:12"),
    (Finding(id=13), "source_url", "candidate:7:finding-source-url:13"),
    (Finding(id=13), "summary", "candidate:7:finding-summary:13"),
    (Finding(id=13), "excerpt", "candidate:7:finding-excerpt:13"),
    (Evidence(id=14), "filename", "candidate:7:evidence-filename:14"),
    (ValidationStep(id=15), "notes", "candidate:7:validation-notes:15"),
    (FindingMention(id=16), "detail", "candidate:7:mention-detail:16"),
    (FindingMention(id=16), "reason", "candidate:7:mention-reason:16"),
    (FindingRelease(id=99, finding_id=13, number=2), "platform", "candidate:7:release-platform:13.2"),
    (FindingRelease(id=99, finding_id=13, number=2), "summary", "candidate:7:release-summary:13.2"),
    (FindingRelease(id=99, finding_id=13, number=2), "excerpt", "candidate:7:release-excerpt:13.2"),
    (SelfIdentification(id=17), "answers", "candidate:7:self-identification:17"),
    (Recommendation(id=18), "rationale", "candidate:7:recommendation-rationale:18"),
    (Decision(id=19), "rationale", "candidate:7:decision-rationale:19"),
    (CandidateResponse(id=20), "text", "candidate:7:response-text:20"),
    (CandidateResponse(id=20), "closing_notes", "candidate:7:dispute-notes:20"),
    (BoardQuestion(id=22), "question", "candidate:7:question:22"),
    (BoardQuestion(id=22), "answer", "candidate:7:answer:22"),
]


@pytest.mark.parametrize(("row", "name", "purpose"), TEXT_FIELDS)
def test_a_declared_field_binds_the_purpose_spelled_out_before(
    vault: CandidateVault, row: Any, name: str, purpose: str
) -> None:
    vault.seal_field(row, name, "text")
    token = getattr(row, f"{name}_enc")
    assert vault.key.decrypt_text(token, purpose) == "text"
    # A ciphertext made the old way opens through the declaration.
    setattr(row, f"{name}_enc", vault.key.encrypt_text("older", purpose))
    assert vault.open_field(row, name) == "older"


@pytest.mark.parametrize(
    ("row", "name", "purpose"),
    [
        (Consent(id=21), "document", "candidate:7:consent-document:21"),
        (Evidence(id=14), "content", "candidate:7:evidence:14"),
    ],
)
def test_a_stored_file_binds_the_purpose_spelled_out_before(
    vault: CandidateVault, row: Any, name: str, purpose: str
) -> None:
    assert vault.file_purpose(row, name) == purpose
    with pytest.raises(TypeError):
        vault.seal_field(row, name, "text")


def test_a_text_field_is_not_a_file(vault: CandidateVault) -> None:
    with pytest.raises(TypeError):
        vault.file_purpose(Finding(id=1), "summary")


def test_none_clears_a_nullable_field_and_opens_as_none(vault: CandidateVault) -> None:
    mention = FindingMention(id=3)
    vault.seal_field(mention, "reason", None)
    assert mention.reason_enc is None
    assert vault.open_optional_field(mention, "reason") is None


def _declaring() -> list[type[HasSealed]]:
    return [m.class_ for m in Base.registry.mappers if "sealed" in vars(m.class_)]


def test_every_declared_text_field_is_a_text_column_and_every_sealed_column_is_declared() -> None:
    declaring = _declaring()
    assert {Candidate, Consent, ItemResolution, SearchLogEntry, Finding, Evidence, ValidationStep} <= set(declaring)
    assert {Recommendation, Decision, CandidateResponse, BoardQuestion} <= set(declaring)
    for model in declaring:
        columns = {c.key: c for c in inspect(model).columns}
        texts = {name for name, sealed in model.sealed.items() if not sealed.stored}
        for name in texts:
            assert isinstance(columns[f"{name}_enc"].type, Text), (model, name)
        assert {k.removesuffix("_enc") for k in columns if k.endswith("_enc")} == texts, model


def test_every_model_with_a_sealed_column_declares_it() -> None:
    undeclared = [
        m.class_.__name__
        for m in Base.registry.mappers
        if any(c.key.endswith("_enc") for c in inspect(m.class_).columns) and "sealed" not in vars(m.class_)
    ]
    assert undeclared == []
