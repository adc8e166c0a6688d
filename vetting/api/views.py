"""Transitional: the routes moved to modules named for their domain (me, cycles, admin).

Kept only for ``api/board_rules.py``'s import of ``cycle_json``; delete once it imports
from :mod:`vetting.api.cycles`.
"""

from __future__ import annotations

from vetting.api.cycles import cycle_json

__all__ = ["cycle_json"]
