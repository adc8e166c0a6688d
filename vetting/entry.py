"""The ``vetting`` console script: ``vetting screen`` and ``vetting production verify`` start
without the application behind it (Flask, the ORM, the services): the second is run by outside
parties on a production bundle with ``cryptography`` only. Every other command is :mod:`vetting.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["screen"]:
        from vetting.screening.cli import screen_command

        screen_command.main(args=sys.argv[2:], prog_name="vetting screen")
    elif sys.argv[1:3] == ["production", "verify"]:
        from vetting.audit.bundle import main as verify_bundle

        verify_bundle(sys.argv[3:])
    else:
        from vetting.cli import main as application

        application()
