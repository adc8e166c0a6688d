"""What the app, the command line and workers build once from the settings (no Flask)."""

from __future__ import annotations

from dataclasses import dataclass

from vetting.config import PROJECT_ROOT, Settings
from vetting.db import Database
from vetting.pdf import Reports
from vetting.services.context import Security
from vetting.storage import EncryptedStore

#: Encrypted evidence and signed forms, inside the instance folder (outside the web root).
EVIDENCE_DIR = "evidence"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    security: Security
    store: EncryptedStore
    reports: Reports

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            db=Database(settings.database_url, settings.audit_signing_key),
            security=Security.from_settings(settings),
            store=EncryptedStore(settings.instance_path / EVIDENCE_DIR),
            reports=Reports(PROJECT_ROOT / "templates"),
        )
