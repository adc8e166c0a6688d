"""SQLAlchemy 2.0 typed models. Nothing here imports Flask."""

from vetting.models.audit import AuditCheckpoint, AuditEvent
from vetting.models.base import AppendOnlyError, Base
from vetting.models.cycle import Assignment, Cycle, CycleStatus, Duty
from vetting.models.user import (
    ApiToken,
    AuthSession,
    LoginAttempt,
    RecoveryCode,
    Role,
    SensitiveDesignation,
    SessionStage,
    User,
    UserRole,
)

__all__ = [
    "AppendOnlyError",
    "ApiToken",
    "Assignment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Cycle",
    "CycleStatus",
    "Duty",
    "LoginAttempt",
    "RecoveryCode",
    "Role",
    "SensitiveDesignation",
    "SessionStage",
    "User",
    "UserRole",
]
