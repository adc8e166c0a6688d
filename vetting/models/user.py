"""Accounts, roles, sensitive-position designations, sessions and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.models.base import Base, created_ts, intpk, str200


class Role(StrEnum):
    """Global roles (PRODUCT.md §2). Per-cycle duties are :class:`Assignment` rows."""

    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    BOARD_MEMBER = "board_member"
    AUDITOR = "auditor"
    #: Keeps the work product as records: retention, legal holds, disposition (issue 15, RET-01..11).
    RECORDS_OFFICER = "records_officer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """Store an enum by value, as a VARCHAR with a named CHECK constraint."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class User(Base):
    __tablename__ = "users"

    @property
    def audit_subject(self) -> Subject:
        return Subject("user", str(self.id))

    id: Mapped[intpk]
    #: Always stored lower-cased; the login identifier.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str200]
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: TOTP seed encrypted under the master key (Keyring, purpose "totp").
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_enrolled_at: Mapped[datetime | None]
    #: The last accepted TOTP time step: a code is accepted once (ASVS 2.8.4).
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[created_ts]
    #: The person turned off their daily reminder digest (issue 16 point 6; the account page).
    digest_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    designation: Mapped[SensitiveDesignation | None] = relationship(
        back_populates="user",
        lazy="selectin",
        foreign_keys="SensitiveDesignation.user_id",
        cascade="all, delete-orphan",
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_enrolled_at is not None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    # Flask-Login's user protocol, written out so models import nothing from Flask.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class SensitiveDesignation(Base):
    """POL-03 / R4: the record that makes a user fit to search."""

    __tablename__ = "sensitive_designations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    clearance_date: Mapped[date] = mapped_column(Date)
    training_date: Mapped[date] = mapped_column(Date)
    acknowledgement_date: Mapped[date] = mapped_column(Date)
    #: The designation lapses after this date unless reviewed again.
    review_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]

    user: Mapped[User] = relationship(back_populates="designation", foreign_keys=[user_id])

    def problems(self, today: date) -> list[str]:
        """Why the designation is not current on ``today`` (empty when it is)."""
        found = []
        for label, value in (
            ("background clearance", self.clearance_date),
            ("training", self.training_date),
            ("confidentiality acknowledgement", self.acknowledgement_date),
        ):
            if value > today:
                found.append(f"{label} is dated in the future ({value.isoformat()})")
        if self.review_date < today:
            found.append(f"review was due on {self.review_date.isoformat()}")
        return found


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of an 80-bit random code: high entropy, so no slow hash is needed.
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class SessionStage(StrEnum):
    PASSWORD = "password"  # password accepted, second factor pending
    ENROLL = "enroll"  # password accepted, TOTP enrolment pending
    FULL = "full"


class AuthSession(Base):
    """A server-side login session; the browser holds only a random token."""

    __tablename__ = "auth_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stage: Mapped[SessionStage] = mapped_column(enum_column(SessionStage, "session_stage"))
    created_at: Mapped[created_ts]
    last_seen_at: Mapped[created_ts]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[created_ts]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: What the holder calls it ("nightly export"); tokens issued before names have none.
    name: Mapped[str | None] = mapped_column(String(100))
    #: Tokens issued before expiry existed have none (issue 14 gives new ones 90 days by default).
    expires_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])


class LoginAttempt(Base):
    """Failed and successful logins, for per-address rate limits shared by all workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_ip_at", "ip", "occurred_at"),
        Index("ix_login_attempts_email_at", "email", "occurred_at"),
    )

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[created_ts]
    succeeded: Mapped[bool] = mapped_column(Boolean)
