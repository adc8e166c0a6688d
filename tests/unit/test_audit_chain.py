"""The audit chain verifier, free of the database (R5: tamper-evident audit log).

A chain of 12 entries with signed checkpoints after entries 3, 4, 8 and 12 is tampered
with one row at a time: every field changed, content changed with the row's hash
recomputed, the row deleted, swapped with its neighbour, and a forged row inserted
(appended, or in the middle with the later rows renumbered). Every tamper must be
reported, and ``broken_seq`` must name the entry at fault. A Hypothesis test then does
the same on random chains with one random tamper each.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import START
from vetting.audit.chain import (
    GENESIS_HASH,
    Checkpoint,
    EntryFields,
    Resume,
    StoredEntry,
    VerificationMarker,
    VerifyResult,
    canonical_json,
    public_key_id,
    sign_checkpoint,
    sign_marker,
    verify_chain,
    verify_stream,
)

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
N = 12
CHECKPOINTED = (3, 4, 8, 12)
ROWS = list(range(1, N + 1))
#: Every stored column of an entry, including its own hash.
FIELDS = ("seq", "occurred_at", "actor_id", "event", "subject_type", "subject_id", "data", "prev_hash", "entry_hash")
#: What an event says (as opposed to where it sits in the chain).
CONTENT_FIELDS = ("occurred_at", "actor_id", "event", "subject_type", "subject_id", "data")


def build_chain(
    events: Sequence[tuple[str, dict[str, Any]]],
    checkpoint_after: Sequence[int],
    key: Ed25519PrivateKey = KEY,
) -> tuple[list[StoredEntry], list[Checkpoint]]:
    """Entries linked from the genesis hash, and checkpoints signed after the given seqs."""
    entries: list[StoredEntry] = []
    prev = GENESIS_HASH
    for seq, (event, data) in enumerate(events, start=1):
        fields = EntryFields(
            seq=seq,
            occurred_at=START + timedelta(seconds=seq, microseconds=seq),
            actor_id=(seq % 3) or None,
            event=event,
            subject_type="cycle" if seq % 2 else None,
            subject_id=str(seq * 7) if seq % 2 else None,
            data=canonical_json(data),
            prev_hash=prev,
        )
        entry = StoredEntry(fields, fields.compute_hash())
        entries.append(entry)
        prev = entry.entry_hash
    checkpoints = [
        sign_checkpoint(key, seq, entries[seq - 1].entry_hash, START + timedelta(seconds=seq, milliseconds=500))
        for seq in checkpoint_after
    ]
    return entries, checkpoints


@cache
def standard_chain() -> tuple[tuple[StoredEntry, ...], tuple[Checkpoint, ...]]:
    events = [(f"event.{i % 4}", {"i": i, "note": f"entry {i}", "flag": i % 2 == 0}) for i in range(1, N + 1)]
    entries, checkpoints = build_chain(events, CHECKPOINTED)
    return tuple(entries), tuple(checkpoints)


def chain() -> tuple[list[StoredEntry], list[Checkpoint]]:
    entries, checkpoints = standard_chain()
    return list(entries), list(checkpoints)


def verify(entries: Sequence[StoredEntry], checkpoints: Sequence[Checkpoint]) -> VerifyResult:
    return verify_chain(iter(entries), checkpoints, PUBLIC)


def flip_hex(value: str) -> str:
    """Change one hex digit (the middle one), so the value stays well-formed."""
    i = len(value) // 2
    return value[:i] + ("0" if value[i] != "0" else "1") + value[i + 1 :]


def changed(fields: EntryFields, name: str) -> EntryFields:
    """A copy of ``fields`` with ``name`` changed to a different, well-formed value."""
    new: dict[str, Callable[[], object]] = {
        "seq": lambda: fields.seq + 1000,
        "occurred_at": lambda: fields.occurred_at + timedelta(microseconds=1),
        "actor_id": lambda: 1 if fields.actor_id is None else fields.actor_id + 1,
        "event": lambda: fields.event + "x",
        "subject_type": lambda: "user" if fields.subject_type is None else None,
        "subject_id": lambda: "1" if fields.subject_id is None else fields.subject_id + "0",
        "data": lambda: canonical_json({"tampered": json.loads(fields.data)}),
        "prev_hash": lambda: flip_hex(fields.prev_hash),
    }
    result = replace(fields, **{name: new[name]()})
    assert result != fields
    return result


def tamper_field(entry: StoredEntry, name: str) -> StoredEntry:
    """Change one stored column, leaving the stored hash as it was."""
    if name == "entry_hash":
        return StoredEntry(entry.fields, flip_hex(entry.entry_hash))
    return StoredEntry(changed(entry.fields, name), entry.entry_hash)


def rehashed(fields: EntryFields) -> StoredEntry:
    return StoredEntry(fields, fields.compute_hash())


def forged_after(entries: Sequence[StoredEntry], seq: int) -> StoredEntry:
    """A well-formed entry at ``seq`` linked to the entry before it."""
    prev = entries[seq - 2].entry_hash if seq > 1 else GENESIS_HASH
    return rehashed(
        EntryFields(
            seq=seq,
            occurred_at=START + timedelta(hours=1),
            actor_id=None,
            event="forged.event",
            subject_type=None,
            subject_id=None,
            data=canonical_json({"forged": True}),
            prev_hash=prev,
        )
    )


def renumbered(entry: StoredEntry, seq: int) -> StoredEntry:
    return StoredEntry(replace(entry.fields, seq=seq), entry.entry_hash)


def assert_broken_at(result: VerifyResult, seq: int) -> None:
    assert not result.ok, "tampering went undetected"
    assert result.broken_seq == seq, result.reason
    assert result.reason
    assert f"BROKEN at entry {seq}" in result.summary()


# --- the untouched chain ----------------------------------------------------------------


def test_intact_chain_verifies() -> None:
    """R5: an untouched chain with every entry covered by a checkpoint is OK."""
    entries, checkpoints = chain()
    result = verify(entries, checkpoints)
    assert result.ok
    assert result.broken_seq is None
    assert result.entries == N
    assert result.checkpoints == len(CHECKPOINTED)
    assert result.last_checkpoint is not None
    assert result.last_checkpoint.seq == N
    assert result.summary().startswith(f"Audit chain OK: {N} entries, {len(CHECKPOINTED)} signed checkpoints")


def test_empty_chain_verifies() -> None:
    result = verify([], [])
    assert result.ok
    assert result.entries == 0
    assert result.last_checkpoint is None


def test_checkpoint_order_does_not_matter() -> None:
    entries, checkpoints = chain()
    assert verify(entries, list(reversed(checkpoints))).ok


def test_canonical_json_is_stable() -> None:
    """The same value always gives the same bytes: sorted keys, no whitespace, UTF-8 kept."""
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def test_any_byte_of_stored_data_is_hashed() -> None:
    """R5: ``data`` is hashed as stored, so even a whitespace-only rewrite of it is detected."""
    entries, checkpoints = chain()
    fields = entries[5].fields
    spaced = replace(fields, data=json.dumps(json.loads(fields.data), indent=2))
    assert spaced.compute_hash() != fields.compute_hash()
    entries[5] = StoredEntry(spaced, entries[5].entry_hash)
    assert_broken_at(verify(entries, checkpoints), 6)


_texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=100, deadline=None)
@given(
    case=st.fixed_dictionaries(
        {
            "seq": st.integers(min_value=1, max_value=10**9),
            "micros": st.integers(min_value=0, max_value=10**12),
            "actor_id": st.none() | st.integers(min_value=1, max_value=10**9),
            "event": _texts,
            "subject_type": st.none() | _texts,
            "subject_id": st.none() | _texts,
            "data": st.dictionaries(_texts, st.none() | st.booleans() | st.integers() | _texts, max_size=4),
            "offset_minutes": st.sampled_from([0, 60, -300, 330]),
        }
    )
)
def test_fast_canonical_form_equals_canonical_json(case: dict[str, Any]) -> None:
    """The hand-built canonical form equals ``canonical_json`` of all fields (outside verifiers rely on it)."""
    seq, micros, actor_id, data = case["seq"], case["micros"], case["actor_id"], case["data"]
    event, subject_type, subject_id = case["event"], case["subject_type"], case["subject_id"]
    offset_minutes = case["offset_minutes"]
    moment = (START + timedelta(microseconds=micros)).astimezone(timezone(timedelta(minutes=offset_minutes)))
    fields = EntryFields(seq, moment, actor_id, event, subject_type, subject_id, canonical_json(data), "ab" * 32)
    expected = canonical_json(
        {
            "seq": seq,
            "occurred_at": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": actor_id,
            "event": event,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "data": data,
            "prev_hash": "ab" * 32,
        }
    )
    assert fields.canonical() == expected
    assert json.loads(fields.canonical())["data"] == data


def test_naive_timestamp_is_refused() -> None:
    entries, _ = chain()
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(entries[0].fields, occurred_at=START.replace(tzinfo=None)).compute_hash()


# --- one tampered row, for every row ------------------------------------------------------


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("seq", ROWS)
def test_changing_any_field_names_that_entry(seq: int, name: str) -> None:
    """R5: any stored column of entry ``seq`` changed (hash left alone) -> broken at ``seq``."""
    entries, checkpoints = chain()
    entries[seq - 1] = tamper_field(entries[seq - 1], name)
    assert_broken_at(verify(entries, checkpoints), seq)


@pytest.mark.parametrize("name", CONTENT_FIELDS)
@pytest.mark.parametrize("seq", ROWS)
def test_changing_content_and_recomputing_its_hash_names_that_entry(seq: int, name: str) -> None:
    """R5: a self-consistent rewrite of entry ``seq`` breaks the link (or checkpoint) at ``seq``."""
    entries, checkpoints = chain()
    entries[seq - 1] = rehashed(changed(entries[seq - 1].fields, name))
    assert_broken_at(verify(entries, checkpoints), seq)


@pytest.mark.parametrize("seq", ROWS[1:])
def test_rewriting_prev_hash_and_recomputing_is_detected(seq: int) -> None:
    """R5: re-pointing entry ``seq`` at another predecessor is caught at the link.

    Without more information the verifier cannot tell "entry seq-1 rewritten" from
    "entry seq re-linked"; it names the earlier of the two, which is still a real entry.
    """
    entries, checkpoints = chain()
    entries[seq - 1] = rehashed(changed(entries[seq - 1].fields, "prev_hash"))
    result = verify(entries, checkpoints)
    assert not result.ok
    assert result.broken_seq in {seq - 1, seq}


def test_rewriting_first_entry_prev_hash_names_entry_one() -> None:
    """R5: entry 1 must link to the genesis hash; if not, entry 1 (not "entry 0") is at fault."""
    entries, checkpoints = chain()
    entries[0] = rehashed(changed(entries[0].fields, "prev_hash"))
    assert_broken_at(verify(entries, checkpoints), 1)


@pytest.mark.parametrize("seq", ROWS)
def test_deleting_an_entry_names_the_missing_seq(seq: int) -> None:
    """R5: a deleted entry (last one included: truncation) is named by its seq."""
    entries, checkpoints = chain()
    del entries[seq - 1]
    assert_broken_at(verify(entries, checkpoints), seq)


@pytest.mark.parametrize("seq", ROWS[:-1])
def test_swapping_an_entry_with_its_neighbour_is_detected(seq: int) -> None:
    """R5: two neighbours read in the wrong order -> broken at the first position."""
    entries, checkpoints = chain()
    entries[seq - 1], entries[seq] = entries[seq], entries[seq - 1]
    assert_broken_at(verify(entries, checkpoints), seq)


@pytest.mark.parametrize("seq", ROWS[:-1])
def test_swapping_contents_of_neighbours_is_detected(seq: int) -> None:
    """R5: two neighbours trade everything but their seq -> broken at the first of them."""
    entries, checkpoints = chain()
    a, b = entries[seq - 1], entries[seq]
    entries[seq - 1] = StoredEntry(replace(b.fields, seq=a.fields.seq), b.entry_hash)
    entries[seq] = StoredEntry(replace(a.fields, seq=b.fields.seq), a.entry_hash)
    assert_broken_at(verify(entries, checkpoints), seq)


def test_appending_a_well_formed_entry_is_detected() -> None:
    """R5: an appended entry with a correct hash and link is not covered by any signed checkpoint."""
    entries, checkpoints = chain()
    entries.append(forged_after(entries, N + 1))
    result = verify(entries, checkpoints)
    assert_broken_at(result, N + 1)
    assert "not covered" in (result.reason or "")


def test_appending_with_a_checkpoint_signed_by_another_key_is_detected() -> None:
    """R5: covering a forged entry needs the signing key; another key's checkpoint is refused."""
    entries, checkpoints = chain()
    forged = forged_after(entries, N + 1)
    entries.append(forged)
    checkpoints.append(sign_checkpoint(Ed25519PrivateKey.generate(), N + 1, forged.entry_hash, START))
    result = verify(entries, checkpoints)
    assert_broken_at(result, N + 1)
    assert "bad signature" in (result.reason or "")


def _insert_expectation(seq: int) -> Any:
    # At a checkpointed seq the forged entry differs from its signed checkpoint and is named
    # itself; elsewhere the next entry's link is the first thing that breaks.
    if seq in CHECKPOINTED:
        return pytest.param(seq, seq, id=f"{seq}-checkpointed")
    return pytest.param(seq, seq + 1, id=str(seq))


@pytest.mark.parametrize(("seq", "expected"), [_insert_expectation(seq) for seq in ROWS])
def test_inserting_in_the_middle_with_renumbering_is_detected(seq: int, expected: int) -> None:
    """R5: a forged entry at ``seq`` with every later entry renumbered.

    The forged entry itself is consistent with everything before it, so without a
    checkpoint at ``seq`` the first observable break is the renumbered original at
    ``seq + 1``. Where a signed checkpoint pins ``seq``, the forged entry itself differs
    from it and is the first bad entry.
    """
    entries, checkpoints = chain()
    tail = [renumbered(e, e.fields.seq + 1) for e in entries[seq - 1 :]]
    tampered = [*entries[: seq - 1], forged_after(entries, seq), *tail]
    assert_broken_at(verify(tampered, checkpoints), expected)


@pytest.mark.parametrize("seq", ROWS)
def test_inserting_and_rehashing_the_rest_is_caught_by_the_next_checkpoint(seq: int) -> None:
    """R5: rewriting the whole tail consistently is caught by the first signed checkpoint at or after ``seq``.

    A checkpoint only says that something in its signed range changed, so the named entry
    lies after the previous checkpoint and no later than the next one.
    """
    entries, checkpoints = chain()
    rebuilt = [*entries[: seq - 1], forged_after(entries, seq)]
    for original in entries[seq - 1 :]:
        rebuilt.append(
            rehashed(replace(original.fields, seq=original.fields.seq + 1, prev_hash=rebuilt[-1].entry_hash))
        )
    result = verify(rebuilt, checkpoints)
    assert not result.ok
    assert result.broken_seq is not None
    previous_cp = max((c for c in CHECKPOINTED if c < seq), default=0)
    next_cp = min(c for c in CHECKPOINTED if c >= seq)
    assert previous_cp < result.broken_seq <= next_cp


def test_deleting_the_tail_and_its_checkpoint_leaves_an_unsigned_tail() -> None:
    """R5: removing the last checkpoint leaves entries after the previous one unsigned."""
    entries, checkpoints = chain()
    assert_broken_at(verify(entries, checkpoints[:-1]), CHECKPOINTED[-2] + 1)


def test_invalid_json_data_is_reported_not_raised() -> None:
    """R5: a data column rewritten to non-JSON is reported as broken, not a crash of the verifier."""
    entries, checkpoints = chain()
    entries[4] = StoredEntry(replace(entries[4].fields, data="not json"), entries[4].entry_hash)
    assert_broken_at(verify(entries, checkpoints), 5)


# --- checkpoints ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(CHECKPOINTED)))
def test_checkpoint_with_a_bad_signature_is_refused(index: int) -> None:
    """R5: a checkpoint whose signature does not verify breaks the chain at its seq."""
    entries, checkpoints = chain()
    cp = checkpoints[index]
    raw = bytearray(base64.b64decode(cp.signature))
    raw[0] ^= 0x01
    checkpoints[index] = replace(cp, signature=base64.b64encode(bytes(raw)).decode())
    result = verify(entries, checkpoints)
    assert_broken_at(result, cp.seq)
    assert "bad signature" in (result.reason or "")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda cp: replace(cp, signature="not base64!"), id="malformed-signature"),
        pytest.param(lambda cp: replace(cp, signature=""), id="empty-signature"),
        pytest.param(lambda cp: replace(cp, entry_hash=flip_hex(cp.entry_hash)), id="entry-hash-changed"),
        pytest.param(lambda cp: replace(cp, signed_at=cp.signed_at + timedelta(seconds=1)), id="signed-at-changed"),
        pytest.param(lambda cp: replace(cp, seq=cp.seq - 1), id="seq-changed"),
    ],
)
def test_checkpoint_altered_after_signing_is_refused(change: Callable[[Checkpoint], Checkpoint]) -> None:
    entries, checkpoints = chain()
    checkpoints[1] = change(checkpoints[1])
    result = verify(entries, checkpoints)
    assert not result.ok
    assert result.broken_seq == checkpoints[1].seq


def test_checkpoints_signed_by_another_key_are_refused() -> None:
    """R5: the same chain signed with a different key does not verify against our public key."""
    other = Ed25519PrivateKey.generate()
    entries, _ = chain()
    forged = [sign_checkpoint(other, seq, entries[seq - 1].entry_hash, START) for seq in CHECKPOINTED]
    result = verify(entries, forged)
    assert_broken_at(result, CHECKPOINTED[0])


def test_other_key_claiming_our_key_id_is_refused() -> None:
    """R5: copying our key id onto another key's checkpoint does not make its signature valid."""
    other = Ed25519PrivateKey.generate()
    entries, checkpoints = chain()
    fake = sign_checkpoint(other, N, entries[-1].entry_hash, START)
    fake = replace(fake, key_id=public_key_id(PUBLIC))
    result = verify(entries, [*checkpoints[:-1], fake])
    assert_broken_at(result, N)


def test_verifying_with_another_public_key_fails() -> None:
    entries, checkpoints = chain()
    result = verify_chain(entries, checkpoints, Ed25519PrivateKey.generate().public_key())
    assert not result.ok


# --- random chains, one random tamper each -----------------------------------------------------

TAMPERS = ("field", "rehash", "delete", "swap_order", "swap_content", "append", "insert")

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8),
)
event_data = st.dictionaries(st.text(alphabet="abcdefgh_", min_size=1, max_size=6), json_scalars, max_size=3)
events_strategy = st.lists(
    st.tuples(st.sampled_from(["a.b", "login.failed", "cycle.created"]), event_data), min_size=2, max_size=15
)


def tampered_chain(
    events: list[tuple[str, dict[str, Any]]], data: Any
) -> tuple[list[StoredEntry], list[Checkpoint], str, int, set[int]]:
    """A random chain with one random tamper: the entries, the checkpoints, the tamper, its
    position, and the entries a check may name."""
    n = len(events)
    inner = data.draw(st.sets(st.integers(min_value=1, max_value=n - 1)), label="checkpoints")
    checkpoint_after = sorted({*inner, n})
    entries, checkpoints = build_chain(events, checkpoint_after)
    assert verify(entries, checkpoints).ok

    kind = data.draw(st.sampled_from(TAMPERS), label="tamper")
    seq = data.draw(st.integers(min_value=1, max_value=n - 1 if kind.startswith("swap") else n), label="seq")
    tampered = list(entries)
    expected: set[int] = {seq}
    if kind == "field":
        tampered[seq - 1] = tamper_field(entries[seq - 1], data.draw(st.sampled_from(FIELDS), label="field"))
    elif kind == "rehash":
        name = data.draw(st.sampled_from(CONTENT_FIELDS), label="field")
        tampered[seq - 1] = rehashed(changed(entries[seq - 1].fields, name))
    elif kind == "delete":
        del tampered[seq - 1]
    elif kind == "swap_order":
        tampered[seq - 1], tampered[seq] = entries[seq], entries[seq - 1]
    elif kind == "swap_content":
        a, b = entries[seq - 1], entries[seq]
        tampered[seq - 1] = StoredEntry(replace(b.fields, seq=a.fields.seq), b.entry_hash)
        tampered[seq] = StoredEntry(replace(a.fields, seq=b.fields.seq), a.entry_hash)
    elif kind == "append":
        tampered.append(forged_after(entries, n + 1))
        expected = {n + 1}
    else:  # insert in the middle, renumbering the rest
        tail = [renumbered(e, e.fields.seq + 1) for e in entries[seq - 1 :]]
        tampered = [*entries[: seq - 1], forged_after(entries, seq), *tail]
        expected = {seq, seq + 1}
    return tampered, checkpoints, kind, seq, expected


@settings(max_examples=150, deadline=None)
@given(events=events_strategy, data=st.data())
def test_the_streamed_check_agrees_with_the_whole_chain_check(
    events: list[tuple[str, dict[str, Any]]], data: Any
) -> None:
    """``verify_stream`` (the database's check: checkpoints streamed beside the entries) finds
    what ``verify_chain`` finds, at the same entry, for the same reason."""
    tampered, checkpoints, kind, seq, _ = tampered_chain(events, data)
    whole = verify(tampered, checkpoints)
    streamed = verify_stream(iter(tampered), iter(checkpoints), PUBLIC)
    assert (streamed.ok, streamed.broken_seq, streamed.reason) == (whole.ok, whole.broken_seq, whole.reason), (
        kind,
        seq,
    )


@pytest.mark.parametrize("at", CHECKPOINTED)
def test_a_check_resumed_at_a_checkpoint_counts_like_the_full_one(at: int) -> None:
    entries, checkpoints = chain()
    full = verify_stream(entries, checkpoints, PUBLIC)
    assert full.ok
    assert (full.entries, full.checkpoints) == (verify(entries, checkpoints).entries, len(CHECKPOINTED))
    before = [cp for cp in checkpoints if cp.seq <= at]
    start = Resume(at, entries[at - 1].entry_hash, len(before), before[-1])
    after = [cp for cp in checkpoints if cp.seq > at]
    resumed = verify_stream(entries[at:], after, PUBLIC, start)
    assert resumed.ok, resumed.reason
    assert (resumed.entries, resumed.checkpoints, resumed.last_checkpoint) == (
        full.entries,
        full.checkpoints,
        full.last_checkpoint,
    )
    assert resumed.resumed_from == at
    # Resumed from a wrong hash, the first entry after the start is named (its link breaks).
    if at < N:
        wrong = verify_stream(entries[at:], after, PUBLIC, replace(start, entry_hash=flip_hex(start.entry_hash)))
        assert_broken_at(wrong, at)


def test_a_marker_is_signed_for_its_own_purpose() -> None:
    marker = sign_marker(KEY, 8, "a" * 64, 3, START)
    assert marker.signed_by(PUBLIC)
    assert not replace(marker, seq=9).signed_by(PUBLIC)
    assert not replace(marker, checkpoints=4).signed_by(PUBLIC)
    assert not marker.signed_by(Ed25519PrivateKey.generate().public_key())
    # A checkpoint's signature over the same entry never passes for a marker's.
    cp = sign_checkpoint(KEY, 8, "a" * 64, START)
    assert not VerificationMarker(8, "a" * 64, 3, START, cp.key_id, cp.signature).signed_by(PUBLIC)


@settings(max_examples=150, deadline=None)
@given(events=events_strategy, data=st.data())
def test_random_single_row_tamper_is_always_detected(events: list[tuple[str, dict[str, Any]]], data: Any) -> None:
    """R5: on random chains, every single-row tamper is detected and located (100%)."""
    tampered, checkpoints, kind, seq, expected = tampered_chain(events, data)
    result = verify(tampered, checkpoints)
    assert not result.ok, f"{kind} at {seq} went undetected"
    assert result.broken_seq in expected, (kind, seq, result.reason)
