"""The ``vetting`` console script: ``vetting screen`` starts without the application behind it
(Flask, the ORM, the services); every other command is :mod:`vetting.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["screen"]:
        from vetting.screening.cli import screen_command

        screen_command.main(args=sys.argv[2:], prog_name="vetting screen")
    else:
        from vetting.cli import main as application

        application()
