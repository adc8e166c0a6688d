"""``vetting production make`` and ``vetting production verify`` run as real subprocesses on the
demo instance (issue 15 point 5, RET-08): the bundle verifies, one changed byte names the file,
and the verifier starts without the application (Flask, the ORM)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.cli.conftest import Instance, output_of

OFFICER = "records@cli.test"


def _rewritten(source: Path, target: Path, member: str) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            content = bytearray(src.read(info.filename))
            if info.filename == member:
                content[0] ^= 0x01
            dst.writestr(info.filename, bytes(content))


def test_make_then_verify_and_a_changed_byte_is_named(instance: Instance, tmp_path: Path) -> None:
    made = instance.run("users", "create", "--email", OFFICER, "--name", "Rita Records", "--role", "records_officer")
    assert made.returncode == 0, output_of(made)
    bundle = tmp_path / "bundle.zip"
    result = instance.run(
        "production", "make", "--by", OFFICER, "--candidate", "1", "--purpose", "inspection",
        "--reference", "POST compliance inspection 2026", "--version", "recorded", "-o", str(bundle),
    )  # fmt: skip
    assert result.returncode == 0, output_of(result)
    assert bundle.is_file()

    verified = instance.run("production", "verify", str(bundle))
    assert verified.returncode == 0, output_of(verified)
    assert "Production bundle OK" in verified.stdout

    with zipfile.ZipFile(bundle) as archive:
        member = next(n for n in archive.namelist() if n.startswith("case-files/"))
    broken = tmp_path / "broken.zip"
    _rewritten(bundle, broken, member)
    refused = instance.run("production", "verify", str(broken))
    assert refused.returncode == 1
    assert f"BROKEN at {member}" in refused.stdout

    # Nobody else produces: an unknown account, and the demo's auditor.
    refused = instance.run(
        "production", "make", "--by", "nobody@cli.test", "--candidate", "1", "--purpose", "discovery",
        "--reference", "X", "--version", "released", "-o", str(tmp_path / "no.zip"),
    )  # fmt: skip
    assert refused.returncode != 0
    assert not (tmp_path / "no.zip").exists()


def test_the_verifier_starts_without_the_application(instance: Instance, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from vetting.entry import main\n"
        f"sys.argv = ['vetting', 'production', 'verify', {str(tmp_path / 'missing.zip')!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print(code, sorted(m for m in ('flask', 'sqlalchemy', 'weasyprint') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.stdout.strip().endswith("1 []"), output_of(result)
    assert "missing.zip" in result.stdout
