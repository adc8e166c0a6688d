"""``vetting serve`` with one test-only route whose requests wait until the test lets them go.

Run as ``python -m tests.cli.serve_held --port N ...`` (the options of ``vetting serve``): the
real command, options and gunicorn, with the app built by :func:`held_app` instead of
``create_app``. The product ships no such route; only this launcher adds it.

``GET /test/held`` touches ``$VETTING_TEST_HOLD/started-<id>``, then waits (without the
database) until ``$VETTING_TEST_HOLD/release`` exists, for at most :data:`HOLD_LIMIT` seconds,
so a failed test never leaves a request hanging.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

from flask import Flask

import vetting.cli
from vetting import create_app
from vetting.config import Settings
from vetting.http.access import PUBLIC, mark

HOLD_LIMIT = 120.0


def held_app(settings: Settings | None = None) -> Flask:
    app = create_app(settings)
    folder = Path(os.environ["VETTING_TEST_HOLD"])

    @mark(PUBLIC)
    def held() -> str:
        (folder / f"started-{uuid.uuid4().hex}").touch()
        deadline = time.monotonic() + HOLD_LIMIT
        while not (folder / "release").exists():
            if time.monotonic() > deadline:
                return "never released"
            time.sleep(0.05)
        return "released"

    app.add_url_rule("/test/held", "test_held", held)
    return app


if __name__ == "__main__":
    # serve_command's gunicorn application builds its app with the module's create_app.
    vetting.cli.create_app = held_app  # type: ignore[attr-defined]
    vetting.cli.cli.main(["serve", *sys.argv[1:]], prog_name="vetting")
