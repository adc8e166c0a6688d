"""Moved to :mod:`vetting.demo` (issue 12); this alias goes once ``vetting.cli`` imports it from there."""

from vetting.demo import DEMO_PASSWORD, load_demo

__all__ = ["DEMO_PASSWORD", "load_demo"]
