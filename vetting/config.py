"""Typed, fail-fast settings.

Secrets come from the instance folder (written by ``vetting init``, mode 0600) or from
the environment. There are no default secrets: a missing key stops start-up with a
message that says how to create it.
"""

from __future__ import annotations

import base64
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SECRET_KEY_FILE = "secret_key"
MASTER_KEY_FILE = "master_key"
#: The next master key while a rotation is under way (``vetting keys rotate``).
MASTER_KEY_NEXT_FILE = "master_key.next"
#: The key before the last rotation, kept for decryption only (a worker not restarted
#: after a rotation may still have written under it).
MASTER_KEY_PREVIOUS_FILE = "master_key.previous"
AUDIT_KEY_FILE = "audit_signing_key.pem"
AUDIT_PUBLIC_KEY_FILE = "audit_signing_key.pub.pem"
CONFIG_FILE = "config.toml"
#: No API token lives longer than a year (issue 14): a forgotten token is a standing credential.
MAX_TOKEN_DAYS = 365
DATABASE_FILE = "vetting.db"

DEFAULT_BANNER = (
    "You are accessing a restricted information system of a criminal justice agency. "
    "Use is limited to authorized background-investigation work, is monitored and audited, "
    "and unauthorized use may result in discipline and prosecution."
)


class ConfigError(RuntimeError):
    """The configuration is incomplete or invalid; the message says how to fix it."""


#: What every candidate-facing document says the agency is called; refused while unset.
AGENCY_NAME_MISSING = (
    "No agency name is configured, so no document can name who is asking: the consent form and the notices "
    'to candidates must. Set it with `vetting init --agency-name "Your Police Department"` (saved as '
    "agency_name in instance/config.toml) or the VETTING_AGENCY_NAME environment variable."
)
MAX_AGENCY_NAME = 200


def clean_agency_name(raw: str) -> str:
    """The agency's name as documents print it: one line of visible text, at most 200 characters."""
    name = " ".join(raw.split())
    if not name:
        raise ConfigError("The agency name is empty: give the name documents should print.")
    if len(name) > MAX_AGENCY_NAME:
        raise ConfigError(f"The agency name must be at most {MAX_AGENCY_NAME} characters.")
    if any(not ch.isprintable() for ch in name):
        raise ConfigError("The agency name must be printable text (no control characters).")
    return name


def read_file_config(instance_path: Path) -> dict[str, Any]:
    """``instance/config.toml``, or nothing when there is none."""
    config_path = instance_path / CONFIG_FILE
    if not config_path.exists():
        return {}
    try:
        return tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path} is not valid TOML: {exc}") from exc


def configured_agency_name(env: Mapping[str, str], file_config: Mapping[str, Any]) -> str | None:
    """``VETTING_AGENCY_NAME`` or ``agency_name`` in config.toml (the environment wins), or ``None``."""
    name = " ".join(str(env.get("VETTING_AGENCY_NAME") or file_config.get("agency_name") or "").split())
    return name or None


def check_time_zone(raw: str, source: str = "VETTING_TIME_ZONE") -> str:
    """An IANA time zone name such as ``America/Chicago`` (or ``UTC``), as the tz database knows it."""
    name = raw.strip()
    try:
        if not _ZONE_NAME.fullmatch(name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(
            f"{source} must be an IANA time zone name such as America/Chicago or UTC; {name!r} is not one."
        ) from exc
    return name


def configured_time_zone(env: Mapping[str, str], file_config: Mapping[str, Any]) -> str:
    """``VETTING_TIME_ZONE`` or ``time_zone`` in config.toml (the environment wins); UTC by default."""
    if env.get("VETTING_TIME_ZONE"):
        return check_time_zone(env["VETTING_TIME_ZONE"])
    raw = file_config.get("time_zone")
    if raw is None or raw == "":
        return "UTC"
    if not isinstance(raw, str):
        raise ConfigError(f'time_zone in {CONFIG_FILE} must be a string such as "America/Chicago".')
    return check_time_zone(raw, f"time_zone in {CONFIG_FILE}")


#: The shape of a tz database name (no path tricks reach the zone files).
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}")


#: An S3 bucket name (3–63 characters: lower-case letters, digits, dots and hyphens).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
#: One segment of an object-storage key prefix.
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_MAX_PREFIX = 200


@dataclass(frozen=True)
class ObjectStorage:
    """Where evidence and signed forms go when ``storage_url`` is ``s3://bucket/prefix``.

    Credentials are never here: boto3 reads them from its own sources (the environment, a role).
    """

    bucket: str
    #: Key prefix without leading or trailing slashes ("" for the bucket's root).
    prefix: str = ""
    #: ``VETTING_S3_ENDPOINT_URL``; ``None`` lets boto3 use ``AWS_ENDPOINT_URL`` or AWS itself.
    endpoint_url: str | None = None

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def parse_storage_url(raw: str, endpoint_url: str | None = None) -> ObjectStorage:
    """``s3://bucket/prefix`` checked: a valid bucket name, a plain prefix, nothing else in the URL.

    :raises ConfigError: naming the setting, when the URL is anything else.
    """
    what = f"VETTING_STORAGE_URL (storage_url in {CONFIG_FILE})"
    parts = urlsplit(raw.strip())
    if parts.scheme != "s3":
        raise ConfigError(
            f"{what} must be s3://bucket/prefix (S3-compatible object storage); leave it unset for the "
            "instance folder's evidence/ folder."
        )
    if not parts.netloc:
        raise ConfigError(f"{what} names no bucket: write s3://bucket/prefix.")
    if "@" in parts.netloc or ":" in parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"{what} must hold only a bucket and a prefix: credentials and the endpoint come from the environment "
            "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, VETTING_S3_ENDPOINT_URL or AWS_ENDPOINT_URL)."
        )
    if not _BUCKET.fullmatch(parts.netloc) or ".." in parts.netloc:
        raise ConfigError(f"{what}: {parts.netloc!r} is not a valid bucket name.")
    segments = [segment for segment in parts.path.split("/") if segment]
    prefix = "/".join(segments)
    if len(prefix) > _MAX_PREFIX or not all(_PREFIX_SEGMENT.fullmatch(s) for s in segments):
        raise ConfigError(
            f"{what}: the prefix may hold only letters, digits, '.', '_', '-' and '/' "
            f"(at most {_MAX_PREFIX} characters, no '.' or '..' folders)."
        )
    if endpoint_url is not None:
        endpoint = urlsplit(endpoint_url)
        if endpoint.scheme not in {"http", "https"} or not endpoint.hostname or endpoint.username:
            raise ConfigError("VETTING_S3_ENDPOINT_URL must be an http:// or https:// address with a host.")
    return ObjectStorage(parts.netloc, prefix, endpoint_url)


def _object_storage(env: Mapping[str, str], file_config: Mapping[str, Any]) -> ObjectStorage | None:
    """``VETTING_STORAGE_URL`` or ``storage_url`` in config.toml (the environment wins); ``None``: the folder."""
    raw = env.get("VETTING_STORAGE_URL") or file_config.get("storage_url")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ConfigError(f"storage_url in {CONFIG_FILE} must be a string such as s3://bucket/prefix.")
    return parse_storage_url(raw, env.get("VETTING_S3_ENDPOINT_URL") or None)


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id cost (OWASP minimum m=19 MiB, t=2, p=1); tests use cheaper values."""

    time_cost: int = 2
    memory_cost_kib: int = 19 * 1024
    parallelism: int = 1


@dataclass(frozen=True)
class Settings:
    """Everything the application needs, resolved once at start-up."""

    instance_path: Path
    database_url: str
    secret_key: bytes = field(repr=False)
    master_key: bytes = field(repr=False)
    audit_signing_key: Ed25519PrivateKey = field(repr=False)
    #: Present only between the two steps of a master-key rotation; accepted for decryption.
    master_key_next: bytes | None = field(default=None, repr=False)
    #: The master key before the last rotation; accepted for decryption.
    master_key_previous: bytes | None = field(default=None, repr=False)
    #: True when the master key comes from the environment (rotation cannot rewrite it).
    master_key_from_env: bool = False
    login_banner: str = DEFAULT_BANNER
    #: Named on every document (the consent form, notices, summaries). ``None`` until configured:
    #: then no document is made (:data:`AGENCY_NAME_MISSING`), never one with a placeholder.
    agency_name: str | None = None
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)
    lockout_threshold: int = 5
    lockout_duration: timedelta = timedelta(minutes=10)
    address_failure_limit: int = 20
    address_failure_window: timedelta = timedelta(minutes=15)
    password_hashing: PasswordHashing = PasswordHashing()
    cookie_secure: bool = True
    testing: bool = False
    #: Adverse-impact reports suppress groups with fewer people than this (never below 2).
    eeo_minimum_group: int = 5
    #: Lifetime of a new API token when none is chosen (issue 14); also the lifetime of tokens
    #: issued before expiry existed, counted from their creation.
    token_days: int = 90
    #: How long a candidate's link works (issue 16): ``VETTING_LINK_DAYS`` / ``link_days``.
    link_days: int = 14
    #: Append-only files outside the database and the instance folder that keep the audit
    #: chain's signed head (``vetting audit anchor``; issue 14).
    audit_witnesses: tuple[Path, ...] = ()
    #: How often the server writes the head to its witnesses.
    audit_anchor_interval: timedelta = timedelta(hours=1)
    #: Where e-mail leaves (issue 16 point 5); ``None``: it is written to ``instance/outbox/``.
    smtp: SmtpServer | None = None
    #: The From address of every message (``VETTING_MAIL_FROM``).
    mail_from: str = "vetting@localhost"
    #: Attempts at delivering one message before it is marked failed.
    mail_max_attempts: int = 8
    #: The address people open the application at (``VETTING_PUBLIC_URL``), which links in mail
    #: sent off a request (the reminder digest) start with; ``None``: they are paths.
    public_url: str | None = None
    #: The task queue (issue 17): ``redis://`` or ``sqlite:///path``; ``None`` is the embedded
    #: SQLite queue in the instance folder, which needs no server.
    queue_url: str | None = None
    #: Evidence and signed forms in S3-compatible object storage; ``None``: the instance folder.
    object_storage: ObjectStorage | None = None
    #: The agency's clock (an IANA name): every date shown, business day and "due" (issue 16).
    time_zone: str = "UTC"
    #: Business days the agency has to answer a public-records request (RET-10; issue 15):
    #: ``VETTING_RECORDS_REQUEST_DAYS`` / ``records_request_days``. California's act gives 10.
    records_request_days: int = 10
    #: The statute a request is logged under unless the records officer names another
    #: (``VETTING_RECORDS_STATUTE`` / ``records_statute``).
    records_statute: str = "California Public Records Act (Gov. Code § 7920.000 et seq.)"

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some fields replaced (tests, CLI flags)."""
        return replace(self, **changes)


def default_instance_path(env: Mapping[str, str] | None = None) -> Path:
    """``VETTING_INSTANCE_PATH`` or ``./instance`` next to the project."""
    env = os.environ if env is None else env
    raw = env.get("VETTING_INSTANCE_PATH")
    return Path(raw).resolve() if raw else PROJECT_ROOT / "instance"


def default_database_url(instance_path: Path, env: Mapping[str, str] | None = None) -> str:
    """``VETTING_DATABASE_URL`` or a SQLite file in the instance folder."""
    env = os.environ if env is None else env
    url = env.get("VETTING_DATABASE_URL") or f"sqlite:///{instance_path / DATABASE_FILE}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme spelling was given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _read_secret(instance_path: Path, filename: str, env_value: str | None) -> bytes:
    if env_value:
        return env_value.encode()
    path = instance_path / filename
    if not path.exists():
        raise ConfigError(f"Missing {path}. Run `vetting init` to create the instance folder and its keys.")
    return path.read_bytes().strip()


def decode_master_key(raw: bytes) -> bytes:
    """A master key is 32 random bytes, stored base64-encoded."""
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ConfigError("The master key must be base64.") from exc
    if len(key) != 32:
        raise ConfigError("The master key must be 32 bytes (AES-256), base64-encoded.")
    return key


def witness_path(raw: str | os.PathLike[str], instance_path: Path) -> Path:
    """An audit witness's absolute path; one inside the instance folder is refused: whoever can
    delete the newest audit rows can rewrite that folder too, so it would witness nothing."""
    path = Path(raw).expanduser().resolve()
    instance = instance_path.resolve()
    if path == instance or path.is_relative_to(instance):
        raise ConfigError(
            f"The audit witness {path} is inside the instance folder {instance}: keep it outside the "
            "database and the instance folder (another disk, a mounted share or an append-only volume)."
        )
    if path.is_dir():
        raise ConfigError(f"The audit witness {path} is a folder: give a file name.")
    return path


def _witnesses(env: Mapping[str, str], file_config: Mapping[str, Any], instance_path: Path) -> tuple[Path, ...]:
    """``VETTING_AUDIT_WITNESS`` (paths joined with the path separator) or ``audit_witness``
    in config.toml (a path or a list of paths)."""
    raw: Any = env.get("VETTING_AUDIT_WITNESS")
    if raw:
        names = [part for part in str(raw).split(os.pathsep) if part.strip()]
    else:
        raw = file_config.get("audit_witness") or []
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError("audit_witness must be a path or a list of paths.")
    return tuple(dict.fromkeys(witness_path(name.strip(), instance_path) for name in names if name.strip()))


def _anchoring(env: Mapping[str, str], file_config: Mapping[str, Any], instance_path: Path) -> dict[str, Any]:
    """The audit witnesses and the anchoring interval (``VETTING_AUDIT_ANCHOR_MINUTES`` or
    ``audit_anchor_minutes``, default 60)."""
    values: dict[str, Any] = {"audit_witnesses": _witnesses(env, file_config, instance_path)}
    minutes = env.get("VETTING_AUDIT_ANCHOR_MINUTES") or file_config.get("audit_anchor_minutes")
    if minutes is not None:
        try:
            values["audit_anchor_interval"] = timedelta(minutes=int(minutes))
        except (TypeError, ValueError) as exc:
            raise ConfigError("audit_anchor_minutes must be a whole number of minutes.") from exc
        if values["audit_anchor_interval"] < timedelta(minutes=1):
            raise ConfigError("audit_anchor_minutes must be at least 1.")
    return values


def _token_days(env: Mapping[str, str], file_config: Mapping[str, Any]) -> int | None:
    """``VETTING_TOKEN_DAYS`` or ``token_days`` in config.toml: a new API token's default lifetime."""
    raw = env.get("VETTING_TOKEN_DAYS") or file_config.get("token_days")
    if raw is None:
        return None
    try:
        days = int(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError("token_days must be a whole number of days.") from exc
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ConfigError(f"token_days must be between 1 and {MAX_TOKEN_DAYS}.")
    return days


#: A candidate's link never works longer than this.
MAX_LINK_DAYS = 90


def _link_days(env: Mapping[str, str], file_config: Mapping[str, Any]) -> int | None:
    """``VETTING_LINK_DAYS`` or ``link_days`` in config.toml: how long a candidate's link works."""
    raw = env.get("VETTING_LINK_DAYS") or file_config.get("link_days")
    if raw is None:
        return None
    try:
        days = int(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError("link_days must be a whole number of days.") from exc
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ConfigError(f"link_days must be between 1 and {MAX_LINK_DAYS}.")
    return days


#: A records request's window never exceeds this many business days (a quarter of a year).
MAX_RECORDS_REQUEST_DAYS = 60


def _records_requests(env: Mapping[str, str], file_config: Mapping[str, Any]) -> dict[str, Any]:
    """``records_request_days`` (1 to 60 business days) and ``records_statute`` (at most 200 characters)."""
    values: dict[str, Any] = {}
    raw = env.get("VETTING_RECORDS_REQUEST_DAYS") or file_config.get("records_request_days")
    if raw is not None:
        try:
            days = int(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError("records_request_days must be a whole number of business days.") from exc
        if not 1 <= days <= MAX_RECORDS_REQUEST_DAYS:
            raise ConfigError(f"records_request_days must be between 1 and {MAX_RECORDS_REQUEST_DAYS}.")
        values["records_request_days"] = days
    statute = env.get("VETTING_RECORDS_STATUTE") or file_config.get("records_statute")
    if statute is not None:
        text = str(statute).strip()
        if not 1 <= len(text) <= 200:
            raise ConfigError("records_statute must be 1 to 200 characters.")
        values["records_statute"] = text
    return values


#: Schemes ``VETTING_QUEUE_URL`` / ``queue_url`` may use.
QUEUE_SCHEMES = ("redis://", "rediss://", "unix://", "sqlite:///")


def _queue_url(env: Mapping[str, str], file_config: Mapping[str, Any]) -> str | None:
    """``VETTING_QUEUE_URL`` or ``queue_url`` in config.toml: the task queue's broker."""
    raw = str(env.get("VETTING_QUEUE_URL") or file_config.get("queue_url") or "").strip()
    if not raw:
        return None
    if not raw.startswith(QUEUE_SCHEMES):
        raise ConfigError(f"queue_url must start with one of {', '.join(QUEUE_SCHEMES)}.")
    return raw


#: The From address when none is configured (mail then only goes to the outbox folder).
DEFAULT_MAIL_FROM = "vetting@localhost"
_SMTP_SETTING = f"VETTING_SMTP_URL (smtp_url in {CONFIG_FILE})"
_MAIL_FROM_SETTING = f"VETTING_MAIL_FROM (mail_from in {CONFIG_FILE})"
#: One address, as SMTP carries it: no spaces, quotes, angle brackets or line breaks.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
MAX_ADDRESS = 254


def is_address(value: str) -> bool:
    """Whether ``value`` is one plain e-mail address (local@domain, at most 254 characters)."""
    return len(value) <= MAX_ADDRESS and _ADDRESS.fullmatch(value) is not None and ".." not in value


@dataclass(frozen=True)
class SmtpServer:
    """Where mail leaves. The password is kept out of ``repr``, logs, errors and pages."""

    host: str
    port: int
    #: ``smtps://``: TLS from the first byte.
    implicit_tls: bool = False
    #: ``?starttls=required``: refuse to send in clear when the server offers no STARTTLS
    #: (without it STARTTLS is used whenever the server offers it).
    starttls_required: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: ``?cafile=``: the certificate authorities to trust instead of the system's (a private CA).
    cafile: str | None = None

    @property
    def display(self) -> str:
        """The server as pages and logs name it: scheme, user and host, never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.host}:{self.port}"


def parse_smtp_url(raw: str) -> SmtpServer:
    """``smtp://user:password@host:port`` or ``smtps://…``; the user and password percent-decoded.

    :raises ConfigError: naming the setting, never repeating the URL (it may hold the password).
    """
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise ConfigError(f"{_SMTP_SETTING} must start with smtp:// or smtps://.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{_SMTP_SETTING}: the port must be a number from 1 to 65535.") from exc
    if not parts.hostname:
        raise ConfigError(f"{_SMTP_SETTING} names no host: write smtp://user:password@host:587.")
    if parts.path not in {"", "/"} or parts.fragment:
        raise ConfigError(f"{_SMTP_SETTING} must hold only credentials, a host, a port and options.")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"starttls", "cafile"})
    if unknown:
        raise ConfigError(f"{_SMTP_SETTING}: unknown option {unknown[0]!r} (known: starttls=required, cafile=PATH).")
    starttls = options.get("starttls", "")
    if starttls not in {"", "required"}:
        raise ConfigError(f"{_SMTP_SETTING}: starttls may only be 'required'.")
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        raise ConfigError(f"{_SMTP_SETTING}: smtps:// is TLS from the start; starttls applies to smtp:// only.")
    cafile = options.get("cafile") or None
    if cafile is not None and not Path(cafile).is_file():
        raise ConfigError(f"{_SMTP_SETTING}: the cafile {cafile} does not exist.")
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls_required=bool(starttls),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        cafile=cafile,
    )


def _mail(env: Mapping[str, str], file_config: Mapping[str, Any]) -> dict[str, Any]:
    """``VETTING_SMTP_URL``, ``VETTING_MAIL_FROM`` and ``VETTING_MAIL_MAX_ATTEMPTS`` (or ``smtp_url``,
    ``mail_from`` and ``mail_max_attempts`` in config.toml; the environment wins)."""
    values: dict[str, Any] = {}
    raw_url = env.get("VETTING_SMTP_URL") or file_config.get("smtp_url")
    if raw_url:
        if not isinstance(raw_url, str):
            raise ConfigError(f"{_SMTP_SETTING} must be a string such as smtp://user:password@host:587.")
        values["smtp"] = parse_smtp_url(raw_url)
    raw_from = env.get("VETTING_MAIL_FROM") or file_config.get("mail_from")
    if raw_from:
        if not isinstance(raw_from, str) or not is_address(raw_from.strip()):
            raise ConfigError(f"{_MAIL_FROM_SETTING} must be one e-mail address, such as vetting@agency.gov.")
        values["mail_from"] = raw_from.strip()
    elif "smtp" in values:
        raise ConfigError(f"{_SMTP_SETTING} is set but {_MAIL_FROM_SETTING} is not: say whom the mail is from.")
    public = env.get("VETTING_PUBLIC_URL") or file_config.get("public_url")
    if public:
        parts = urlsplit(str(public))
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError(
                "VETTING_PUBLIC_URL (public_url) must be an http(s) address such as https://vetting.agency.gov."
            )
        values["public_url"] = str(public).rstrip("/")
    attempts = env.get("VETTING_MAIL_MAX_ATTEMPTS") or file_config.get("mail_max_attempts")
    if attempts is not None:
        try:
            values["mail_max_attempts"] = int(attempts)
        except (TypeError, ValueError) as exc:
            raise ConfigError("mail_max_attempts must be a whole number.") from exc
        if not 1 <= values["mail_max_attempts"] <= 50:
            raise ConfigError("mail_max_attempts must be between 1 and 50.")
    return values


def load_settings(
    instance_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Resolve settings from the instance folder and the environment.

    :raises ConfigError: if a secret is missing or malformed.
    """
    env = os.environ if env is None else env
    instance_path = instance_path or default_instance_path(env)
    file_config = read_file_config(instance_path)

    secret_key = _read_secret(instance_path, SECRET_KEY_FILE, env.get("VETTING_SECRET_KEY"))
    if len(secret_key) < 32:
        raise ConfigError("The secret key must be at least 32 characters long.")
    master_key = decode_master_key(_read_secret(instance_path, MASTER_KEY_FILE, env.get("VETTING_MASTER_KEY")))
    older = {}
    for name in (MASTER_KEY_NEXT_FILE, MASTER_KEY_PREVIOUS_FILE):
        path = instance_path / name
        older[name] = decode_master_key(path.read_bytes().strip()) if path.exists() else None
    pem = _read_secret(instance_path, AUDIT_KEY_FILE, env.get("VETTING_AUDIT_SIGNING_KEY"))
    signing_key = load_pem_private_key(pem, password=None)
    if not isinstance(signing_key, Ed25519PrivateKey):
        raise ConfigError(f"{AUDIT_KEY_FILE} must hold an Ed25519 private key.")

    values: dict[str, Any] = {
        "instance_path": instance_path,
        "database_url": default_database_url(instance_path, env),
        "secret_key": secret_key,
        "master_key": master_key,
        "master_key_next": older[MASTER_KEY_NEXT_FILE],
        "master_key_previous": older[MASTER_KEY_PREVIOUS_FILE],
        "master_key_from_env": bool(env.get("VETTING_MASTER_KEY")),
        "audit_signing_key": signing_key,
    }
    banner = env.get("VETTING_LOGIN_BANNER") or file_config.get("login_banner")
    if banner:
        values["login_banner"] = str(banner)
    values["agency_name"] = configured_agency_name(env, file_config)
    minimum = env.get("VETTING_EEO_MINIMUM_GROUP") or file_config.get("eeo_minimum_group")
    if minimum is not None:
        try:
            values["eeo_minimum_group"] = int(minimum)
        except ValueError as exc:
            raise ConfigError("eeo_minimum_group must be a whole number.") from exc
        if values["eeo_minimum_group"] < 2:
            raise ConfigError("eeo_minimum_group must be at least 2: a group of one is a person.")
    values.update(_anchoring(env, file_config, instance_path))
    values.update(_mail(env, file_config))
    values["object_storage"] = _object_storage(env, file_config)
    token_days = _token_days(env, file_config)
    if token_days is not None:
        values["token_days"] = token_days
    link_days = _link_days(env, file_config)
    if link_days is not None:
        values["link_days"] = link_days
    values["queue_url"] = _queue_url(env, file_config)
    values.update(_records_requests(env, file_config))
    values["time_zone"] = configured_time_zone(env, file_config)
    if "cookie_secure" in file_config:
        values["cookie_secure"] = bool(file_config["cookie_secure"])
    values.update(overrides)
    return Settings(**values)
