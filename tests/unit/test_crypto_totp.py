"""Keyring (AES-256-GCM, purpose bound as associated data) and one-time TOTP (ASVS 2.8.4)."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

import pyotp
import pytest

from tests.support import START
from vetting.crypto import DecryptionError, Keyring, key_id, sha256_hex
from vetting.security import totp

KEY = secrets.token_bytes(32)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#: The middle of a 30-second step, so +-15 seconds stays in the same step.
NOW = START + timedelta(seconds=15)
STEP = pyotp.TOTP(SECRET).timecode(NOW)


def code_at(offset_steps: int) -> str:
    return totp.current_code(SECRET, NOW + timedelta(seconds=30 * offset_steps))


def _payload(token: str) -> tuple[str, bytes]:
    head, payload = token.rsplit(":", 1)
    return head, base64.b64decode(payload)


# --- Keyring ---------------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", [b"", b"JBSWY3DPEHPK3PXP", bytes(range(256)), "é✓".encode()])
def test_round_trip(plaintext: bytes) -> None:
    box = Keyring(KEY)
    token = box.encrypt(plaintext, "totp")
    assert token.startswith(f"v1:{key_id(KEY)}:")
    assert box.decrypt(token, "totp") == plaintext


def test_fresh_nonce_every_time() -> None:
    box = Keyring(KEY)
    assert box.encrypt(b"same", "totp") != box.encrypt(b"same", "totp")


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    token = Keyring(KEY).encrypt(b"JBSWY3DPEHPK3PXP", "totp")
    assert b"JBSWY3DPEHPK3PXP" not in _payload(token)[1]
    assert "JBSWY3DPEHPK3PXP" not in token


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])
def test_any_flipped_byte_is_refused(index: int) -> None:
    """Nonce, ciphertext and tag are all authenticated."""
    box = Keyring(KEY)
    head, raw = _payload(box.encrypt(b"secret seed", "totp"))
    changed = bytearray(raw)
    changed[index] ^= 0x01
    with pytest.raises(DecryptionError):
        box.decrypt(f"{head}:{base64.b64encode(bytes(changed)).decode()}", "totp")


def test_wrong_purpose_is_refused() -> None:
    """A ciphertext cannot be moved to another field: the purpose is associated data."""
    box = Keyring(KEY)
    token = box.encrypt(b"secret seed", "totp")
    with pytest.raises(DecryptionError, match="authentication"):
        box.decrypt(token, "candidate-note")


def test_other_key_is_refused() -> None:
    token = Keyring(KEY).encrypt(b"secret seed", "totp")
    with pytest.raises(DecryptionError, match="not held"):
        Keyring(secrets.token_bytes(32)).decrypt(token, "totp")


def test_other_key_with_our_key_id_still_fails_authentication() -> None:
    """Relabelling a ciphertext with our key id does not get it past the GCM tag."""
    other = Keyring(secrets.token_bytes(32))
    _, raw = _payload(other.encrypt(b"secret seed", "totp"))
    relabelled = f"v1:{key_id(KEY)}:{base64.b64encode(raw).decode()}"
    with pytest.raises(DecryptionError, match="authentication"):
        Keyring(KEY).decrypt(relabelled, "totp")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v1:abc",
        "v2:{kid}:AAAA",
        "v1:{kid}:not base64!",
        "v1:{kid}:" + base64.b64encode(bytes(40)).decode(),
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(DecryptionError):
        Keyring(KEY).decrypt(token.format(kid=key_id(KEY)), "totp")


@pytest.mark.parametrize("length", [0, 3, 7])
def test_truncated_token_is_refused(length: int) -> None:
    token = f"v1:{key_id(KEY)}:{base64.b64encode(bytes(length)).decode()}"
    with pytest.raises(DecryptionError):
        Keyring(KEY).decrypt(token, "totp")


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_only_256_bit_keys(length: int) -> None:
    with pytest.raises(ValueError, match="32-byte"):
        Keyring(bytes(length))


def test_sha256_hex() -> None:
    assert sha256_hex("abc") == sha256_hex(b"abc")
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- TOTP: ASVS 2.8.4, each code accepted once ----------------------------------------------------------


def test_current_code_is_accepted_and_names_its_step() -> None:
    assert totp.matching_counter(SECRET, code_at(0), NOW, None) == STEP


def test_code_cannot_be_used_twice() -> None:
    """ASVS 2.8.4: once a step is accepted, the same code is refused."""
    counter = totp.matching_counter(SECRET, code_at(0), NOW, None)
    assert counter == STEP
    assert totp.matching_counter(SECRET, code_at(0), NOW, counter) is None
    assert totp.matching_counter(SECRET, code_at(0), NOW + timedelta(seconds=10), counter) is None


def test_older_step_is_refused_after_a_newer_one() -> None:
    """ASVS 2.8.4: a code of an earlier step (still inside the drift window) is refused once a later one was used."""
    counter = totp.matching_counter(SECRET, code_at(1), NOW, None)
    assert counter == STEP + 1
    assert totp.matching_counter(SECRET, code_at(0), NOW, counter) is None
    assert totp.matching_counter(SECRET, code_at(-1), NOW, counter) is None


def test_newer_step_is_accepted_after_an_older_one() -> None:
    assert totp.matching_counter(SECRET, code_at(1), NOW, STEP) == STEP + 1


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_one_step_of_drift_is_accepted(offset: int) -> None:
    """RFC 6238 5.2: the previous and next 30-second step are accepted."""
    assert totp.matching_counter(SECRET, code_at(offset), NOW, None) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_more_drift_is_refused(offset: int) -> None:
    code = code_at(offset)
    assert code not in {code_at(-1), code_at(0), code_at(1)}  # no accidental collision for this secret
    assert totp.matching_counter(SECRET, code, NOW, None) is None


def test_spaces_are_ignored() -> None:
    code = code_at(0)
    assert totp.matching_counter(SECRET, f" {code[:3]} {code[3:]} ", NOW, None) == STEP


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", "12a456", "12-456", "12345\n6", "+12345"])
def test_non_six_digit_input_is_refused(code: str) -> None:
    assert totp.matching_counter(SECRET, code, NOW, None) is None


def test_right_length_wrong_digits_is_refused() -> None:
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in {code_at(-1), code_at(0), code_at(1)})
    assert totp.matching_counter(SECRET, wrong, NOW, None) is None


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "²²²²²²"])
def test_non_ascii_digits_are_refused(code: str) -> None:
    assert totp.matching_counter(SECRET, code, NOW, None) is None


def test_codes_are_six_digits_and_change_each_step() -> None:
    codes = [code_at(i) for i in range(5)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 1


# --- secrets and recovery codes ------------------------------------------------------------------------


def test_new_secrets_are_random_base32() -> None:
    a, b = totp.new_secret(), totp.new_secret()
    assert a != b
    assert len(base64.b32decode(a)) >= 16  # at least 128 bits (RFC 4226 recommends 160)


def test_recovery_codes_are_distinct_and_grouped() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert not set(code) & set("01ilo")  # no look-alike characters


def test_recovery_code_normalisation() -> None:
    assert totp.normalise_recovery_code("  ABCD-efgh ijkl-MNOP ") == "abcdefghijklmnop"


def test_provisioning_uri_names_issuer_and_account() -> None:
    uri = totp.provisioning_uri(SECRET, "ann@x.test")
    assert uri.startswith("otpauth://totp/")
    assert f"secret={SECRET}" in uri
    assert "issuer=vetting" in uri
