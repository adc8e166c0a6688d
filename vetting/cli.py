"""The ``vetting`` command (a Flask CLI group), PRODUCT.md §5.

Each command that changes data runs in one transaction; errors name the field and
leave nothing half-written.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup

from vetting import create_app, demo
from vetting.config import (
    AGENCY_NAME_MISSING,
    CONFIG_FILE,
    ConfigError,
    check_time_zone,
    clean_agency_name,
    configured_agency_name,
    default_database_url,
    default_instance_path,
    load_settings,
    read_file_config,
)
from vetting.errors import DomainError
from vetting.instance import ensure_instance, save_agency_name, save_time_zone
from vetting.models import Role
from vetting.runtime import Runtime
from vetting.screening.cli import screen_command
from vetting.security import totp
from vetting.services import audit_log, tokens, users
from vetting.services.accounts import open_totp_secret


def _create_app() -> Flask:
    try:
        app = create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    # Close the pool when the command ends (matters when commands run in-process).
    click.get_current_context().call_on_close(app.extensions["vetting"].db.dispose)
    return app


class VettingGroup(FlaskGroup):
    """Flask's CLI group without its developer options (--app, --env-file, --debug).

    Every command is defined here, so listing them never loads the app (which would
    fail, with a traceback, before ``vetting init``).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.params = [p for p in self.params if p.name not in {"app", "env_file", "debug"}]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)


cli = VettingGroup(
    name="vetting",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="vetting: the internet and social-media part of candidate background investigations.",
)


def _runtime() -> Runtime:
    from flask import current_app

    found: Runtime = current_app.extensions["vetting"]
    return found


def _fail(error: DomainError) -> NoReturn:
    field = f" ({error.field})" if error.field else ""
    raise click.ClickException(f"{error.message}{field}")


def _agency_name_to_save(instance_path: Path, given: str | None, default: str | None) -> str | None:
    """The agency name ``init`` saves: the one given, else (none configured) the default, else one
    asked for at a terminal. ``None`` when one is configured already. Without a terminal and without
    a name, init stops (the documents must name the agency, PRODUCT.md §4)."""
    try:
        configured = configured_agency_name(os.environ, read_file_config(instance_path))
        if given is not None:
            return clean_agency_name(given)
        if configured:
            return None
        if default is not None:
            return clean_agency_name(default)
        if not sys.stdin.isatty():
            raise ConfigError(AGENCY_NAME_MISSING)
        return clean_agency_name(click.prompt("Agency name, as documents to candidates print it"))
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@cli.command("init", with_appcontext=False)
@click.option(
    "--agency-name",
    metavar="NAME",
    help="The agency named on the consent form, notices and summaries; saved as agency_name in "
    "instance/config.toml (replaces the one there).",
)
@click.option(
    "--default-agency-name",
    metavar="NAME",
    help="Saved only when no agency name is configured yet (scripts such as make run).",
)
@click.option(
    "--time-zone",
    metavar="ZONE",
    help="The agency's IANA time zone, e.g. America/Chicago: dates shown, business days and due dates "
    "follow it; saved as time_zone in instance/config.toml (UTC until set).",
)
def init_command(agency_name: str | None, default_agency_name: str | None, time_zone: str | None) -> None:
    """Create the instance folder and its secrets (mode 0600), name the agency (asked for at a terminal
    when none is configured), set its time zone, then migrate to head."""
    from vetting.migrate import upgrade

    instance_path = default_instance_path()
    name = _agency_name_to_save(instance_path, agency_name, default_agency_name)
    try:
        zone = check_time_zone(time_zone, "--time-zone") if time_zone is not None else None
        created = ensure_instance(instance_path)
        if name is not None:
            save_agency_name(instance_path, name)
        if zone is not None:
            save_time_zone(instance_path, zone)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    settings = load_settings(instance_path)
    upgrade(settings.database_url)
    for created_name in created:
        click.echo(f"created {instance_path / created_name}")
    if name is not None:
        click.echo(f"Agency name saved in {instance_path / CONFIG_FILE}: {name}")
        if os.environ.get("VETTING_AGENCY_NAME") and settings.agency_name != name:
            click.echo(f"VETTING_AGENCY_NAME is set and overrides it: documents name {settings.agency_name}.")
    click.echo(f"Time zone: {settings.time_zone}" + ("" if time_zone else " (set with vetting init --time-zone ZONE)"))
    click.echo(f"Instance ready at {instance_path}; database migrated to the latest revision.")
    if not os.environ.get("VETTING_DATABASE_URL"):
        click.echo(f"Database: {default_database_url(instance_path)}")


@cli.command("demo")
def demo_command() -> None:
    """Load the demo accounts and cycle (idempotent); print logins and TOTP secrets."""
    rt = _runtime()
    with rt.db.transaction() as session:
        accounts = demo.load_demo(session, rt.security, rt.store)
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD})")
    click.echo(f"  {'email':<20} {'role':<15} TOTP secret")
    for account in accounts:
        click.echo(f"  {account.email:<20} {account.role.value:<15} {account.totp_secret}")
    click.echo("Add a secret to an authenticator app, or print the current code with: vetting totp EMAIL")


@cli.command("worker")
@click.option(
    "--workers", type=click.IntRange(min=1, max=32), default=2, show_default=True, help="Jobs run at the same time."
)
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds without a heartbeat after which a running job's worker is taken for dead and the job rerun.",
)
def worker_command(workers: int, lease: float) -> None:
    """Run jobs from the task queue (report PDFs; issue 17) until stopped (Ctrl-C or SIGTERM).

    The queue is the instance's SQLite file unless VETTING_QUEUE_URL (or queue_url) names Redis.
    """
    import logging

    from vetting.jobs.worker import run_worker
    from vetting.logs import EscapingFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per layout step of every PDF
    rt = _runtime()
    where = rt.settings.queue_url or f"{rt.settings.instance_path}/queue.sqlite3"
    click.echo(f"Worker: {workers} thread(s), queue {where.split('@')[-1]}", err=True)
    run_worker(rt, workers, lease)


def _default_workers() -> int:
    """One worker process per CPU, at least two (one restarting never leaves none)."""
    return max(2, os.cpu_count() or 1)


#: Requests one worker serves at once (gunicorn's gthread worker): a slow request holds a thread,
#: never its worker's other requests. The database pool (up to 15 connections a process) covers them.
DEFAULT_THREADS = 8
#: Seconds a worker may go without a heartbeat before it is restarted, and the time requests in
#: flight get to finish when the server stops. A gthread worker beats while its threads work.
DEFAULT_TIMEOUT = 60


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="PORT or 5000")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    envvar="VETTING_WORKERS",
    show_envvar=True,
    default=_default_workers,
    show_default="one per CPU, at least 2",
    help="Worker processes.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    envvar="VETTING_THREADS",
    show_envvar=True,
    default=DEFAULT_THREADS,
    show_default=True,
    help="Requests each worker serves at once; a slow request holds one thread, not the worker.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    envvar="VETTING_TIMEOUT",
    show_envvar=True,
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds before a worker that stopped responding is restarted, and that requests in flight "
    "get to finish when the server stops.",
)
def serve_command(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Serve the application with gunicorn (production server).

    Every worker serves up to THREADS requests at once, so at most WORKERS x THREADS requests
    run together; the next ones wait for a free thread.
    """
    from gunicorn.app.base import BaseApplication

    from vetting.logs import ServerLogger

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", timeout)
            self.cfg.set("graceful_timeout", timeout)
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25.1+ opens one admin socket per user (~/.gunicorn/gunicorn.ctl): a second
                # server on the machine would take it over, and stopping either deletes it. Unused here.
                self.cfg.set("control_socket_disable", True)
            self.cfg.set("accesslog", "-")
            # One JSON object a line, control characters escaped everywhere (issue 14); request
            # lines only: query strings could carry search terms (vetting.logs).
            self.cfg.set("logger_class", ServerLogger)

        def load(self) -> Any:
            return create_app()

    _check_storage_at_start()
    click.echo(f"Serving on http://{host}:{port} ({workers} workers x {threads} threads, timeout {timeout} s)")
    _Server().run()


@cli.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", envvar="VETTING_NEW_PASSWORD", help="Default: a random password, printed once.")
def users_create(email: str, name: str, roles: tuple[str, ...], password: str | None) -> None:
    """Create an account; the user enrols TOTP at first sign-in."""
    rt = _runtime()
    generated = password is None
    password = password or secrets.token_urlsafe(15)
    try:
        with rt.db.transaction() as session:
            user = users.create_user(
                session,
                None,
                rt.security,
                email=email,
                name=name,
                password=password,
                roles=frozenset(Role(r) for r in roles),
            )
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")
    if generated:
        click.echo(f"Initial password: {password}")


@cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print the current TOTP code of an enrolled account."""
    from vetting.clock import utcnow

    rt = _runtime()
    with rt.db.transaction() as session:
        user = users.find_user_by_email(session, email)
        if user is None or user.totp_secret_encrypted is None:
            raise click.ClickException(f"No account with an authenticator for {email}.")
        secret = open_totp_secret(rt.security, user)
    click.echo(totp.current_code(secret, utcnow()))


@cli.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="What the token is for, e.g. 'nightly export'.")
@click.option("--days", type=int, default=None, help="Lifetime in days (default: token_days, 90 unless configured).")
def tokens_create(email: str, name: str | None, days: int | None) -> None:
    """Create an API token for EMAIL; it is printed once, as the last line.

    Refused for an account that has not enrolled its second factor (TOTP). Audited.
    """
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            user = users.find_user_by_email(session, email)
            if user is None:
                raise click.ClickException(f"No account for {email}.")
            issued = tokens.issue_token(session, None, user, default_days=rt.settings.token_days, name=name, days=days)
    except DomainError as error:
        _fail(error)
    view = issued.view
    label = f" '{view.name}'" if view.name else ""
    click.echo(f"Token {view.id}{label} for {user.email}, expires {_moment(view.expires_at)}.")
    click.echo("API token (shown once; send as 'Authorization: Bearer <token>'):")
    click.echo(issued.secret)


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


@tokens_group.command("list")
@click.argument("email")
def tokens_list(email: str) -> None:
    """List EMAIL's API tokens: id, name, prefix, created, last used, expires, revoked."""
    rt = _runtime()
    with rt.db.transaction() as session:
        user = users.find_user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"No account for {email}.")
        views = tokens.list_tokens(session, None, user, default_days=rt.settings.token_days)
    if not views:
        click.echo(f"No API tokens for {user.email}.")
        return
    header = ("id", "name", "prefix", "created", "last used", "expires", "revoked", "status")
    rows = [
        (
            str(v.id),
            v.name or "-",
            v.prefix,
            _moment(v.created_at),
            _moment(v.last_used_at),
            _moment(v.expires_at),
            _moment(v.revoked_at),
            v.status.value,
        )
        for v in views
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@tokens_group.command("revoke")
@click.argument("token_id", metavar="ID", type=click.IntRange(min=1))
def tokens_revoke(token_id: int) -> None:
    """Revoke the API token with this ID (from `vetting tokens list`); audited."""
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            view = tokens.revoke_token(session, None, token_id, default_days=rt.settings.token_days)
    except DomainError as error:
        _fail(error)
    click.echo(f"Revoked token {view.id} ({view.prefix}...); requests with it now get 401 token_revoked.")


@cli.group("keys")
def keys_group() -> None:
    """The master key."""


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Rewrap every data key and TOTP seed under a new master key (content is not re-encrypted)."""
    from vetting.services import keys

    rt = _runtime()
    settings = rt.settings
    if settings.master_key_from_env:
        raise click.ClickException(
            "The master key comes from VETTING_MASTER_KEY: rotate it where it is kept, not in instance/."
        )
    new_key = keys.prepare_next_key(settings.instance_path)
    with rt.db.transaction() as session:
        result = keys.rewrap_all(session, rt.security.keyring, new_key)
    keys.finish(settings.instance_path)
    click.echo(
        f"Master key rotated ({result.old_key_id} -> {result.new_key_id}): "
        f"{result.data_keys} candidate data keys and {result.totp_seeds} TOTP seeds rewrapped."
    )


# ``vetting screen`` needs no application: vetting.entry runs it before Flask is imported; this
# registration lists it in ``vetting --help`` (and serves ``python -m``-style callers of the group).
cli.add_command(screen_command)


@cli.group("findings")
def findings_group() -> None:
    """Findings."""


@findings_group.command("screen-backfill")
def findings_screen_backfill() -> None:
    """Screen every finding recorded before screening existed (R3); each screening is audited.

    Until then such a finding shows what screening would find as open mentions, and cannot
    be released: reading a finding never writes.
    """
    from vetting.services import findings

    rt = _runtime()
    with rt.db.transaction() as session:
        count = findings.screen_backfill(session, rt.security)
    click.echo(f"Screened {count} finding(s) that had never been screened.")


@cli.group("audit")
def audit_group() -> None:
    """The audit chain."""


_WITNESS_HELP = "A witness file of signed chain heads (repeatable); default: the configured witnesses."


@audit_group.command("verify")
@click.option("--witness", "witnesses", multiple=True, type=click.Path(dir_okay=False), help=_WITNESS_HELP)
@click.option("--full", is_flag=True, help="Re-check every entry from the first, not only those after the last check.")
def audit_verify(witnesses: tuple[str, ...], full: bool) -> None:
    """Check the hash links and signed checkpoints; name the first broken entry.

    Reads only the entries after the last check that found the chain intact (its signed
    marker, kept by this command and the console's check); --full re-checks all of them,
    with a progress bar. Also check the chain holds every head a witness kept (`vetting
    audit anchor`): a chain shorter than a witnessed head, or differing from it, fails naming
    the witnessed entry. The check reads one consistent snapshot, so it can run while others
    write; it is recorded on the chain.
    """
    from vetting.audit.witness import WitnessError, read_heads
    from vetting.services import audit_anchor

    rt = _runtime()
    try:
        if witnesses:
            heads = [head for path in witnesses for head in read_heads(path)]
        else:
            heads, problems = audit_anchor.configured_heads(rt.settings.audit_witnesses)
            if problems:
                raise WitnessError("; ".join(problems))
    except WitnessError as error:
        click.echo(f"Cannot verify: {error}", err=True)
        sys.exit(2)
    public_key = rt.settings.audit_signing_key.public_key()
    with rt.db.transaction() as session:
        if full:
            with click.progressbar(length=1, label="Checking every entry", file=sys.stderr) as bar:

                def advance(checked: int, total: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(checked)

                result = audit_log.verify_and_mark(session, public_key, heads, full=True, progress=advance)
        else:
            result = audit_log.verify_and_mark(session, public_key, heads, full=False)
    if result.ok:
        click.echo(result.summary())
        return
    click.echo(result.summary(), err=True)
    sys.exit(1)


@audit_group.command("anchor")
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A witness file to append the head to (repeatable); default: VETTING_AUDIT_WITNESS or audit_witness.",
)
def audit_anchor_command(witnesses: tuple[str, ...]) -> None:
    """Append the signed chain head (entry number, hash, time, signature) to every witness.

    A witness is an append-only file outside the database and the instance folder; check
    the chain against it with `vetting audit verify --witness FILE`.
    """
    from vetting.config import witness_path
    from vetting.services import audit_anchor

    rt = _runtime()
    try:
        paths = [witness_path(w, rt.settings.instance_path) for w in witnesses] or list(rt.settings.audit_witnesses)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    with rt.db.transaction() as session:
        outcomes = audit_anchor.anchor(session, audit_anchor.file_witnesses(paths))
    if not outcomes:
        click.echo("Nothing to anchor: the audit chain has no signed checkpoint yet.")
        return
    failed = False
    for outcome in outcomes:
        if outcome.ok:
            click.echo(f"Anchored entry {outcome.seq} ({outcome.entry_hash}) in {outcome.witness}.")
        else:
            failed = True
            hint = " Give --witness FILE or set VETTING_AUDIT_WITNESS." if outcome.witness == "none" else ""
            click.echo(f"Anchoring in {outcome.witness} failed: {outcome.reason}.{hint}", err=True)
    if failed:
        sys.exit(1)


@audit_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
def audit_export(output: str | None) -> None:
    """Write the chain, its signed checkpoints and the public key as JSON Lines.

    Check the file anywhere with `vetting-audit-verify FILE` (no app or secrets needed).
    """
    rt = _runtime()
    with rt.db.transaction() as session:
        name, content = audit_log.export_as(session, None, rt.settings.audit_signing_key.public_key())
    if output is None:
        click.echo(content.decode(), nl=False)
        return
    with open(output, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote {output} ({name}, {len(content)} bytes).", err=True)


@cli.group("storage")
def storage_group() -> None:
    """The encrypted store of evidence files and signed forms (a folder, or S3-compatible object storage)."""


@storage_group.command("check")
@click.option("--repair", is_flag=True, help="Remove orphaned and half-written files (never one a row points to).")
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds: younger files may belong to an upload in flight and are never removed.",
)
def storage_check(repair: bool, older_than: float) -> None:
    """List orphaned files (no row points to them), half-written files and rows whose file is missing.

    With --repair, remove the orphaned and half-written files older than --older-than. Audited
    (counts only). Exit status 1 when a row points to a missing file.
    """
    from vetting.services import stored_files
    from vetting.storage import StorageError

    rt = _runtime()
    click.echo(f"Store: {rt.store.description}")
    try:
        with rt.db.transaction() as session:
            result = stored_files.check(
                session,
                None,
                rt.store,
                repair="all" if repair else "none",
                min_age=older_than,
                progress=lambda count: click.echo(f"... {count} files checked", err=True),
            )
    except StorageError as error:
        raise click.ClickException(f"The store could not be read: {error}") from error
    for title, found in (
        ("Orphaned files (no row points to them)", result.orphaned),
        ("Half-written files (temporary names)", result.half_written),
        ("Unrecognised files (never removed)", result.unrecognised),
    ):
        if found:
            click.echo(f"{title}: {len(found)}")
        for item in found:
            fate = f"  {result.fate(item)}" if result.fate(item) else ""
            click.echo(f"  {item.location}  {item.size} bytes, {item.age:.0f} s old{fate}")
    if result.missing:
        click.echo(f"Rows whose file is missing: {len(result.missing)}", err=True)
        for row in result.missing:
            click.echo(f"  {row.kind} {row.row_id} ({row.name})", err=True)
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)


@cli.group("mail")
def mail_group() -> None:
    """E-mail: the outbox, sent through SMTP (VETTING_SMTP_URL) or written to instance/outbox/."""


@mail_group.command("test")
@click.argument("email")
def mail_test(email: str) -> None:
    """Send a test message to EMAIL now, through the configured path, and say what happened.

    The message goes through the outbox like any other (audited); one that fails stays there for
    the worker's retries. Exit status 1 when it was not sent.
    """
    from vetting.jobs.mail import deliver, transport_for
    from vetting.models import OutboxStatus
    from vetting.services import mail

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            message_id = mail.queue(session, None, email, mail.TestMessage(), rt.settings.agency_name)
    except DomainError as error:
        _fail(error)
    click.echo(transport_for(rt.settings).description)
    outcome = deliver(rt, message_id)
    if outcome is not None and outcome.status is OutboxStatus.SENT:
        click.echo(f"Test message {message_id} sent to {email}.")
        return
    state = f"{outcome.status.value}: {outcome.error}" if outcome else "taken by another delivery"
    click.echo(f"Test message {message_id} was not sent ({state}).", err=True)
    sys.exit(1)


@cli.group("retention")
def retention_group() -> None:
    """Records retention (issue 15): the schedule in force, the candidates past it, and the
    minimisation of findings that never reach the board (RET-11)."""


@retention_group.command("schedule")
def retention_schedule() -> None:
    """Print the retention schedule in force: class, period, trigger, citation and legal floor."""
    from vetting.models import RetentionClass
    from vetting.services import retention

    rt = _runtime()
    with rt.db.transaction() as session:
        state = retention.schedule_state(session, None)
    current = state.current
    click.echo(
        f"Schedule version {current.id}, approved {_moment(current.approved_at)}."
        if current.id
        else "The built-in schedule (the legal floors): no agency schedule has been approved."
    )
    for cls in RetentionClass:
        entry, (floor, _) = current.entries[cls], retention.FLOORS[cls]
        click.echo(
            f"  {cls.value}: {entry.period_days} days from {entry.trigger.value} (floor {floor}); {entry.citation}"
        )
    click.echo(
        f"  every candidate: at least {retention.EEO_FLOOR_DAYS} days from the latest record ({retention.EEO_CITATION})"
    )
    click.echo(f"  cycles in FCRA mode: {retention.FCRA_DAYS} days ({retention.FCRA_CITATION})")
    if state.pending is not None:
        click.echo(f"Proposal {state.pending.id} awaits a second person's approval.")


@retention_group.command("due")
@click.option("--cycle", "cycle_id", type=click.IntRange(min=1), default=None, help="Only this cycle's candidates.")
def retention_due(cycle_id: int | None) -> None:
    """List the candidates past their earliest disposition date (not yet disposed), a page at a time."""
    from vetting.services import retention
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    page = PageRequest(limit=MAX_LIMIT)
    total = 0
    while True:
        with rt.db.transaction() as session:
            found = retention.candidates_page(session, None, page, due_only=True, cycle_id=cycle_id)
        for row in found.items:
            assert row.due_on is not None  # a due candidate has its date
            click.echo(
                f"{row.candidate_id}\t{row.code}\tcycle {row.cycle_id}\tdue {row.due_on.isoformat()}\t"
                f"{row.retention_class}\t{row.disposition or '-'}"
            )
        total = found.total
        if found.next_cursor is None:
            break
        page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)
    click.echo(f"{total} candidate(s) past their disposition date.", err=True)


@retention_group.command("minimisable")
@click.option("--cycle", "cycle_id", type=click.IntRange(min=1), default=None, help="Only this cycle's findings.")
def retention_minimisable(cycle_id: int | None) -> None:
    """List the findings past their minimisation date (RET-11: refuted, withdrawn or never reported,
    in no proposal, on no legal hold): finding, candidate, cycle, why, date and class."""
    from vetting.services import minimisation
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        with rt.db.transaction() as session:
            found = minimisation.findings_page(session, None, page, due_only=True, cycle_id=cycle_id)
        for row in found.items:
            assert row.due_on is not None  # a due finding has its date and reason
            assert row.reason is not None
            click.echo(
                f"{row.finding_id}\t{row.code}\tcycle {row.cycle_id}\t{row.reason.value}\t"
                f"due {row.due_on.isoformat()}\t{row.retention_class}"
            )
        if found.next_cursor is None:
            break
        page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)
    click.echo(f"{found.total} finding(s) past their minimisation date.", err=True)


@retention_group.command("minimise")
@click.option("--by", "email", required=True, help="The records officer or administrator proposing it.")
@click.option("--due", is_flag=True, help="Every finding past its date (up to one batch).")
@click.option("--cycle", "cycle_id", type=click.IntRange(min=1), default=None, help="With --due: only this cycle.")
@click.option("--finding", "finding_ids", type=click.IntRange(min=1), multiple=True, help="A finding (repeat).")
def retention_minimise(email: str, due: bool, cycle_id: int | None, finding_ids: tuple[int, ...]) -> None:
    """Propose minimising findings (RET-11) as --by; a second person approves. Prints its id."""
    from vetting.services import minimisation

    if due == bool(finding_ids):
        raise click.BadParameter("give either --due or one --finding or more.", param_hint="--due")
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            actor = _acting(session, email)
            row = (
                minimisation.propose_due(session, actor, cycle_id)
                if due
                else minimisation.propose(session, actor, finding_ids)
            )
            summary = None if row is None else (row.id, len(row.findings))
    except DomainError as error:
        _fail(error)
    if summary is None:
        click.echo("No finding is past its minimisation date.")
        return
    click.echo(f"Minimisation {summary[0]} proposed: {summary[1]} finding(s); a second person approves it.")


@retention_group.command("approve-minimisation")
@click.argument("minimisation_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A second person: not the one who proposed it.")
@click.confirmation_option(prompt="The findings' content and evidence are destroyed for good. Approve?")
def retention_approve_minimisation(minimisation_id: int, email: str) -> None:
    """Approve and carry out minimisation MINIMISATION_ID as --by (irreversible)."""
    from vetting.services import minimisation

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            row = minimisation.approve(
                session, _acting(session, email), rt.security, rt.store, minimisation_id, results=rt.queue.results
            )
            done = (len(row.findings), sum(f.files_deleted for f in row.findings))
    except DomainError as error:
        _fail(error)
    click.echo(f"Minimisation {minimisation_id}: {done[0]} finding(s) minimised, {done[1]} file(s) deleted.")


def _fail_as(error: DomainError, options: dict[str, str]) -> NoReturn:
    """Refuse naming the command's option for the service's field (``classes.x.y`` by its first part)."""
    field = error.field or ""
    option = options.get(field) or options.get(field.split(".", 1)[0])
    if option is None:
        _fail(error)
    raise click.ClickException(f"{error.message} ({option})")


def _disposition_line(row: Any) -> str:
    return (
        f"{row.id}\t{row.candidate_code}\tcycle {row.cycle_id}\t{row.status.value}\tdue {row.due_on.isoformat()}\t"
        f"{row.retention_class}"
    )


@retention_group.command("dispose")
@click.argument("candidate_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="The records officer or administrator proposing it.")
def retention_dispose(candidate_id: int, email: str) -> None:
    """Propose the disposition of CANDIDATE_ID (past their date, on no hold) as --by; a second person
    approves it with approve-disposition (RET-07). Prints its id."""
    from vetting.services import disposition

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            row = disposition.propose(session, _acting(session, email), candidate_id)
            line = f"Disposition {row.id} proposed for candidate {row.candidate_code} (due {row.due_on.isoformat()})"
    except DomainError as error:
        _fail(error)
    click.echo(f"{line}: a second person approves it.")


@retention_group.command("approve-disposition")
@click.argument("disposition_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A second person: not the one who proposed it.")
@click.confirmation_option(prompt="The candidate's data key and files are destroyed for good. Approve?")
def retention_approve_disposition(disposition_id: int, email: str) -> None:
    """Approve and carry out disposition DISPOSITION_ID as --by: the candidate's key is destroyed
    and their files deleted (irreversible; a tombstone remains)."""
    from vetting.services import disposition

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            row = disposition.approve(
                session, _acting(session, email), rt.security, rt.store, disposition_id, results=rt.queue.results
            )
            done = (row.candidate_code, row.files_deleted)
    except DomainError as error:
        _fail(error)
    click.echo(f"Disposition {disposition_id}: candidate {done[0]} disposed, {done[1]} file(s) deleted.")


@retention_group.command("dispositions")
@click.option("--by", "email", required=True, help="A records reader (records officer, auditor, administrator).")
@click.option("--status", type=click.Choice(["proposed", "disposed", "all"]), default="all", show_default=True)
def retention_dispositions(email: str, status: str) -> None:
    """List the dispositions, newest first: id, candidate code, cycle, state, date due and class."""
    from vetting.services import disposition
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    page = PageRequest(limit=MAX_LIMIT)
    try:
        while True:
            with rt.db.transaction() as session:
                found = disposition.dispositions_page(
                    session, _acting(session, email), page, None if status == "all" else status
                )
                lines = [_disposition_line(row) for row in found.items]
            for line in lines:
                click.echo(line)
            if found.next_cursor is None:
                break
            page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)
    except DomainError as error:
        _fail(error)
    click.echo(f"{found.total} disposition(s).", err=True)


@retention_group.command("disposition")
@click.argument("disposition_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A records reader (records officer, auditor, administrator).")
@click.option(
    "--certificate",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the certificate of destruction (PDF, audited) to this file.",
)
def retention_disposition(disposition_id: int, email: str, output: str | None) -> None:
    """Print disposition DISPOSITION_ID (who proposed and approved it, the class and citation relied
    on); --certificate writes its certificate of destruction once carried out."""
    from vetting.config import AGENCY_NAME_MISSING
    from vetting.services import disposition

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            actor = _acting(session, email)
            found = disposition.detail(session, actor, disposition_id)
            row = found.row
            lines = [
                _disposition_line(row),
                f"  proposed by {found.proposed_by} {_moment(row.proposed_at)}",
                f"  approved by {found.approved_by} {_moment(row.disposed_at)}"
                if found.approved_by
                else "  awaiting approval",
                f"  {row.citation}",
            ]
            content = None
            if output is not None:
                if not rt.settings.agency_name:
                    raise click.ClickException(AGENCY_NAME_MISSING)
                name, content = disposition.certificate_pdf(
                    session, actor, rt.security, rt.reports, rt.settings.agency_name, disposition_id
                )
    except DomainError as error:
        _fail(error)
    for line in lines:
        click.echo(line)
    if output is not None and content is not None:
        with open(output, "wb") as handle:
            handle.write(content)
        click.echo(f"Wrote {output} ({name}, {len(content)} bytes).", err=True)


def _class_periods(given: tuple[str, ...]) -> dict[str, int]:
    """``--class NAME=DAYS`` options as {class: days}; a bad one is refused naming --class."""
    from vetting.models import RetentionClass

    names = {c.value for c in RetentionClass}
    periods: dict[str, int] = {}
    for part in given:
        name, sep, days = part.partition("=")
        if not sep or name.strip() not in names:
            raise click.BadParameter(
                f"{part!r}: give NAME=DAYS, NAME one of {', '.join(sorted(names))}.", param_hint="--class"
            )
        if not days.strip().isdigit():
            raise click.BadParameter(f"{part!r}: DAYS is a whole number of days.", param_hint="--class")
        periods[name.strip()] = int(days)
    return periods


@retention_group.command("propose-schedule")
@click.option("--by", "email", required=True, help="The records officer or administrator proposing it.")
@click.option(
    "--class",
    "classes",
    multiple=True,
    metavar="NAME=DAYS",
    help="A class's new period in days (repeat); the others, triggers and citations stay as in force.",
)
@click.option(
    "--file",
    "path",
    type=click.File("r"),
    default=None,
    help='The whole schedule as JSON: {"class": {"period_days": N, "trigger": T, "citation": C}, ...}.',
)
def retention_propose_schedule(email: str, classes: tuple[str, ...], path: Any) -> None:
    """Propose a change of the retention schedule as --by (RET-07: a second person approves it with
    approve-schedule). Periods below a legal floor are refused naming the class."""
    import json

    from vetting.services import retention

    if bool(classes) == (path is not None):
        raise click.BadParameter("give either --class NAME=DAYS (repeat) or --file.", param_hint="--class")
    periods = _class_periods(classes)
    raw: Any = None
    if path is not None:
        try:
            raw = json.load(path)
        except ValueError as error:
            raise click.BadParameter(f"not JSON: {error}.", param_hint="--file") from error
        if not isinstance(raw, dict):
            raise click.BadParameter("a JSON object of classes.", param_hint="--file")
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            actor = _acting(session, email)
            if raw is None:
                entries = retention.schedule_state(session, actor).current.entries
                raw = {c.value: e.as_dict() for c, e in entries.items()}
                for name, days in periods.items():
                    raw[name] = {**raw[name], "period_days": days}
            row_id = retention.propose_schedule(session, actor, raw).id
    except DomainError as error:
        _fail_as(error, {"classes": "--file" if path is not None else "--class"})
    click.echo(f"Schedule proposal {row_id} made: a second person approves it.")


@retention_group.command("approve-schedule")
@click.argument("schedule_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A second person: not the one who proposed it.")
def retention_approve_schedule(schedule_id: int, email: str) -> None:
    """Approve schedule proposal SCHEDULE_ID as --by: it is in force from now (RET-07)."""
    from vetting.services import retention

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            retention.approve_schedule(session, _acting(session, email), schedule_id)
    except DomainError as error:
        _fail(error)
    click.echo(f"Schedule {schedule_id} approved: it is in force.")


@cli.group("holds")
def holds_group() -> None:
    """Legal holds (issue 15, RET-02, RET-03): list, place, and release as a second person."""


def _hold_line(view: Any) -> str:
    state = "active" if view.active else f"released {_moment(view.released_at)} by {view.released_by}"
    scope = "; ".join(s.label for s in view.scopes)
    return f"{view.id}\t{view.matter}\t{view.reference}\t{state}\t{scope}"


def _acting(session: Any, email: str) -> Any:
    """The person a records command acts as: holds are placed and released by a named person (the
    second-person rule compares people), never by the server itself."""
    found = users.find_user_by_email(session, email)
    if found is None:
        raise click.ClickException(f"No account for {email} (--by).")
    return found


@holds_group.command("list")
@click.option("--status", type=click.Choice(["active", "released", "all"]), default="all", show_default=True)
def holds_list(status: str) -> None:
    """List the legal holds, newest first: id, matter, reference, state and scope."""
    from vetting.services import holds
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        with rt.db.transaction() as session:
            found = holds.list_holds(session, None, page, status)
        for view in found.items:
            click.echo(_hold_line(view))
        if found.next_cursor is None:
            break
        page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)
    click.echo(f"{found.total} hold(s).", err=True)


@holds_group.command("place")
@click.option("--by", "email", required=True, help="The administrator or records officer placing it.")
@click.option("--matter", required=True, help='The matter, e.g. "Doe v. City".')
@click.option("--reference", required=True, help="The docket, charge or claim number.")
@click.option("--reason", required=True, help="What triggered the hold.")
@click.option("--review-by", type=click.DateTime(["%Y-%m-%d"]), default=None, help="When to review it (YYYY-MM-DD).")
@click.option("--cycle", "cycle_ids", type=int, multiple=True, help="A whole cycle (repeat for more).")
@click.option("--candidate", "candidate_ids", type=int, multiple=True, help="A candidate (repeat for more).")
@click.option("--position", default=None, help="A position, as its cycles state it, with --from (and --to).")
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "to_day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
def holds_place(
    email: str,
    matter: str,
    reference: str,
    reason: str,
    review_by: datetime | None,
    cycle_ids: tuple[int, ...],
    candidate_ids: tuple[int, ...],
    position: str | None,
    from_day: datetime | None,
    to_day: datetime | None,
) -> None:
    """Place a legal hold as --by; prints its id. Refused naming the option at fault (nothing written)."""
    from vetting.services import holds

    if position is not None and from_day is None:
        raise click.BadParameter("a position needs the first day of its range.", param_hint="--from")
    if position is None and (from_day is not None or to_day is not None):
        raise click.BadParameter("a date range needs the position it applies to.", param_hint="--position")
    positions = (
        [holds.PositionScope(position, from_day.date(), to_day.date() if to_day else None)]
        if position is not None and from_day is not None
        else []
    )
    data = holds.HoldInput(
        matter=matter,
        reference=reference,
        reason=reason,
        review_by=review_by.date() if review_by else None,
        cycle_ids=cycle_ids,
        candidate_ids=candidate_ids,
        positions=positions,
    )
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            hold = holds.place_hold(session, _acting(session, email), data)
            view = holds.get_hold(session, None, hold.id)
    except DomainError as error:
        _fail(error)
    click.echo(f"Hold {view.hold.id} placed for {view.hold.matter}: {view.held_total} candidate(s) held.")


@holds_group.command("release")
@click.argument("hold_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A second person: not the one who placed it.")
@click.option("--reason", required=True, help="The matter's final disposition.")
def holds_release(hold_id: int, email: str, reason: str) -> None:
    """Release hold HOLD_ID as --by (never its placer: second_person_required)."""
    from vetting.services import holds

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            holds.release_hold(session, _acting(session, email), hold_id, reason)
    except DomainError as error:
        _fail(error)
    click.echo(f"Hold {hold_id} released.")


@cli.group("requests")
def requests_group() -> None:
    """Public-records requests (issue 15 point 4, RET-10): the request log and what is due."""


def _request_line(view: Any) -> str:
    return (
        f"{view.id}\t{view.status.value}\treceived {view.received_on.isoformat()}\tdue {view.due_on.isoformat()}\t"
        f"{view.statute}\t{view.requester_name}"
    )


@requests_group.command("list")
@click.option("--status", type=click.Choice(["open", "finished", "all"]), default="all", show_default=True)
def requests_list(status: str) -> None:
    """List the public-records requests, newest first: id, state, dates, statute and requester."""
    from vetting.services import records_requests
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        with rt.db.transaction() as session:
            found = records_requests.list_requests(session, None, page, status)
        for view in found.items:
            click.echo(_request_line(view))
        if found.next_cursor is None:
            break
        page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)
    click.echo(f"{found.total} request(s).", err=True)


@requests_group.command("due")
@click.option(
    "--within",
    type=click.IntRange(min=0, max=250),
    default=5,
    show_default=True,
    help="Business days from today (weekends and the agency's holidays skipped); overdue ones are listed too.",
)
def requests_due(within: int) -> None:
    """List the open requests due within N business days, soonest first. Nothing is released by this."""
    from vetting.services import records_requests

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            views = records_requests.due_requests(session, None, within)
    except DomainError as error:
        _fail(error)
    for view in views:
        click.echo(_request_line(view))
    click.echo(f"{len(views)} request(s) due within {within} business day(s).", err=True)


#: The options of `requests log` for the service's fields.
_REQUEST_OPTIONS = {
    "requester_name": "--requester",
    "requester_contact": "--contact",
    "received_on": "--received",
    "due_on": "--due",
    "statute": "--statute",
    "description": "--description",
    "scope": "--cycle/--candidate",
    "cycle_ids": "--cycle",
    "candidate_ids": "--candidate",
    "release_id": "--release",
    "decision": "--decision",
    "exemption_code": "--code",
    "reason": "--reason",
}


@requests_group.command("log")
@click.option("--by", "email", required=True, help="The records officer logging it.")
@click.option("--requester", required=True, help="The requester's name.")
@click.option("--contact", required=True, help="The requester's address or e-mail.")
@click.option("--received", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Day received (YYYY-MM-DD).")
@click.option("--description", required=True, help="The records asked for, in the requester's words.")
@click.option("--statute", default="", help="The statute it was made under (default: the agency's).")
@click.option(
    "--due", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Due day (default: the business days after receipt)."
)
@click.option("--cycle", "cycle_ids", type=int, multiple=True, help="A cycle in its scope (repeat for more).")
@click.option("--candidate", "candidate_ids", type=int, multiple=True, help="A candidate in its scope (repeat).")
def requests_log(
    email: str,
    requester: str,
    contact: str,
    received: datetime,
    description: str,
    statute: str,
    due: datetime | None,
    cycle_ids: tuple[int, ...],
    candidate_ids: tuple[int, ...],
) -> None:
    """Log a public-records request as --by (RET-10); prints its id and due day."""
    from vetting.services import records_requests

    rt = _runtime()
    data = records_requests.RequestInput(
        requester_name=requester,
        requester_contact=contact,
        received_on=received.date(),
        description=description,
        statute=statute,
        due_on=due.date() if due else None,
        cycle_ids=cycle_ids,
        candidate_ids=candidate_ids,
    )
    try:
        with rt.db.transaction() as session:
            row = records_requests.log_request(
                session,
                _acting(session, email),
                data,
                response_days=rt.settings.records_request_days,
                default_statute=rt.settings.records_statute,
            )
            done = (row.id, row.due_on.isoformat())
    except DomainError as error:
        _fail_as(error, _REQUEST_OPTIONS)
    click.echo(f"Request {done[0]} logged, due {done[1]}.")


@requests_group.command("show")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A records officer without a duty in its cycles.")
def requests_show(request_id: int, email: str) -> None:
    """Print request REQUEST_ID and its working copy: each released finding's release id, candidate,
    checklist item and the decision taken (no finding text)."""
    from vetting.services import records_requests

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            copy = records_requests.working_copy(session, _acting(session, email), rt.security, request_id)
    except DomainError as error:
        _fail(error)
    click.echo(_request_line(copy.request))
    for item in copy.items:
        decided = f"{item.decision.value} ({item.exemption_code})" if item.decision else "undecided"
        click.echo(f"  release {item.finding.release_id}\t{item.candidate_code}\t{item.finding.item_title}\t{decided}")
    click.echo(f"{len(copy.items)} item(s), {copy.undecided} undecided.", err=True)


@requests_group.command("exempt")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A records officer without a duty in its cycles.")
@click.option("--release", "release_id", type=click.IntRange(min=1), required=True, help="The item (`requests show`).")
@click.option("--decision", type=click.Choice(["release_text", "withhold"]), required=True)
@click.option("--code", required=True, help="The exemption code: confidential_background_file, personnel_record, ...")
def requests_exempt(request_id: int, email: str, release_id: int, decision: str, code: str) -> None:
    """Decide one item of request REQUEST_ID's working copy under an exemption code (RET-10)."""
    from vetting.services import records_requests

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            records_requests.set_exemption(session, _acting(session, email), request_id, release_id, decision, code)
    except DomainError as error:
        _fail_as(error, _REQUEST_OPTIONS)
    click.echo(f"Request {request_id}: release {release_id} {decision.replace('_', ' ')} ({code}).")


def _request_step(email: str, request_id: int, step: Any, done: str) -> None:
    """One step of a request's workflow as --by, in one transaction; refusals name the option."""
    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            step(session, _acting(session, email), request_id)
    except DomainError as error:
        _fail_as(error, _REQUEST_OPTIONS)
    click.echo(f"Request {request_id} {done}.")


@requests_group.command("prepare")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A records officer without a duty in its cycles.")
def requests_prepare(request_id: int, email: str) -> None:
    """Fix what request REQUEST_ID releases (every item decided); a second person approves it."""
    from vetting.services import records_requests

    _request_step(email, request_id, records_requests.prepare_release, "prepared: a second person approves it")


@requests_group.command("approve")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A second person: not the one who prepared it.")
def requests_approve(request_id: int, email: str) -> None:
    """Approve request REQUEST_ID's prepared release as --by (never its preparer)."""
    from vetting.services import records_requests

    _request_step(email, request_id, records_requests.approve_release, "approved")


@requests_group.command("release")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="The records officer who sent it to the requester.")
def requests_release(request_id: int, email: str) -> None:
    """Record that request REQUEST_ID's approved release went to the requester (nothing is sent by this)."""
    from vetting.services import records_requests

    _request_step(email, request_id, records_requests.record_release, "released: the release log records it")


@requests_group.command("close")
@click.argument("request_id", type=click.IntRange(min=1))
@click.option("--by", "email", required=True, help="A records officer without a duty in its cycles.")
@click.option("--reason", required=True, help="What the requester is told.")
@click.option("--denied", is_flag=True, help="Deny it (else closed: withdrawn, or no such records).")
def requests_close(request_id: int, email: str, reason: str, denied: bool) -> None:
    """Close request REQUEST_ID without a release, or deny it with --denied."""
    from vetting.services import records_requests

    def close(session: Any, actor: Any, ident: int) -> Any:
        return records_requests.close_request(session, actor, ident, reason, denied=denied)

    _request_step(email, request_id, close, "denied" if denied else "closed")


@cli.group("links")
def links_group() -> None:
    """The candidate's one-time links (issue 16): consent, notice, response, self-identification."""


#: The options a service's field names (the command's own words for them).
_LINK_OPTIONS = {"code": "CANDIDATE_CODE", "cycle": "--cycle", "email": "--email", "purpose": "--purpose"}


@links_group.command("issue")
@click.argument("code", metavar="CANDIDATE_CODE")
@click.option(
    "--purpose",
    required=True,
    type=click.Choice(["consent", "notice", "response", "self_identification"]),
    help="What the link is for.",
)
@click.option(
    "--by",
    "email",
    required=True,
    help="Who issues it: an investigator of the cycle (an administrator for self_identification).",
)
@click.option("--cycle", "cycle_id", type=click.IntRange(min=1), default=None, help="The cycle (a code in several).")
@click.option("--email", "address", default=None, help="Set the candidate's e-mail address first.")
def links_issue(code: str, purpose: str, email: str, cycle_id: int | None, address: str | None) -> None:
    """Issue the candidate's link for PURPOSE (any older one stops working) and e-mail it.

    The link names the application's public address (VETTING_PUBLIC_URL). Acts as the person
    named by --by, with their permissions; audited like the same act on the web. Without an
    address on file the link is printed for staff to hand over.
    """
    from flask import current_app

    from vetting.http.candidate_links import link_mailer, offer
    from vetting.models import LinkPurpose
    from vetting.services import candidate_links

    rt = _runtime()
    if not rt.settings.public_url:
        raise click.ClickException(
            "VETTING_PUBLIC_URL is not set: a link sent from the command line needs the application's public "
            "address, such as https://vetting.agency.gov."
        )
    with current_app.test_request_context(base_url=rt.settings.public_url):
        mailer = link_mailer()
        try:
            with rt.db.transaction() as session:
                actor = _acting(session, email)
                candidate_id = candidate_links.candidate_by_code(session, actor, code, cycle_id)
                issued = candidate_links.issue(
                    session, actor, rt.security, mailer, candidate_id, LinkPurpose(purpose), email=address
                )
        except DomainError as error:
            option = _LINK_OPTIONS.get(error.field or "")
            raise click.ClickException(f"{error.message} ({option})" if option else error.message) from error
        offer(issued)
    expires = _moment(issued.expires_at)
    if issued.outbox_id is not None:
        click.echo(f"{purpose} link for {code} e-mailed (outbox message {issued.outbox_id}), expires {expires}.")
        return
    click.echo(f"No e-mail address is on file for {code}: hand the candidate this {purpose} link (expires {expires}):")
    click.echo(issued.url)


@cli.group("reminders")
def reminders_group() -> None:
    """Due dates and reminders (issue 16 point 6)."""


@reminders_group.command("run")
def reminders_run() -> None:
    """Queue today's reminder digests now, as the scheduled job does at the digest hour.

    Today is the agency's day; each person's digest is queued once a day (a day already queued is
    not queued again). Prints how many digests were queued.
    """
    from sqlalchemy.exc import IntegrityError

    from vetting.clock import today
    from vetting.config import AGENCY_NAME_MISSING
    from vetting.services import reminders

    rt = _runtime()
    agency = rt.settings.agency_name
    if not agency:
        raise click.ClickException(AGENCY_NAME_MISSING)
    day = today()
    try:
        with rt.db.transaction() as session:
            queued = reminders.queue_digests(session, day, agency, rt.settings.public_url)
    except IntegrityError:
        click.echo(f"The digests of {day.isoformat()} were queued already: 0 digests queued.")
        return
    for message_id in queued:
        rt.queue.offer_mail(message_id)
    click.echo(f"{len(queued)} digest(s) queued for {day.isoformat()}.")


@mail_group.command("outbox")
def mail_outbox() -> None:
    """Count the outbox's messages by state and list the failed ones with their errors (no bodies)."""
    from vetting.models import OutboxStatus
    from vetting.services import mail
    from vetting.services.paging import MAX_LIMIT, PageRequest

    rt = _runtime()
    with rt.db.transaction() as session:
        counts = mail.outbox_counts(session, None)
    click.echo("  ".join(f"{status.value}: {count}" for status, count in counts.items()))
    if not counts[OutboxStatus.FAILED]:
        return
    click.echo("Failed messages (id, created, template, attempts, error):")
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        with rt.db.transaction() as session:
            found = mail.list_outbox(session, None, page, OutboxStatus.FAILED.value)
        for view in found.items:
            click.echo(
                f"{view.id}\t{_moment(view.created_at)}\t{view.template.value}\t{view.attempts}\t"
                f"{view.last_error or '-'}"
            )
        if found.next_cursor is None:
            break
        page = PageRequest(limit=MAX_LIMIT, cursor=found.next_cursor)


def _check_storage_at_start() -> None:
    """`vetting serve`: report the store's state; remove half-written files older than a minute."""
    from sqlalchemy.exc import SQLAlchemyError

    from vetting.services import stored_files
    from vetting.storage import StorageError

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            result = stored_files.check(session, None, rt.store, repair="half-written")
    except (OSError, SQLAlchemyError, StorageError) as error:
        detail = str(error) if isinstance(error, StorageError) else type(error).__name__
        click.echo(f"Storage check failed: {detail}; run `vetting storage check`.", err=True)
        return
    finally:
        rt.db.dispose()  # no pooled connection of the master's is inherited by the forked workers
    hint = "" if result.ok and not result.leftovers else " Run `vetting storage check` for details."
    click.echo(f"Storage check: {result.summary()}{hint}")


@cli.group("production")
def production_group() -> None:
    """Production bundles (issue 15 point 5, RET-08): make one, or verify one (no app needed)."""


@production_group.command("make")
@click.option("--by", "email", required=True, help="The records officer who produces it.")
@click.option("--candidate", "candidate_ids", type=click.IntRange(min=1), multiple=True, required=True)
@click.option("--purpose", type=click.Choice(["records_request", "discovery", "inspection"]), required=True)
@click.option("--reference", required=True, help="The request or matter the bundle answers.")
@click.option("--version", "version", type=click.Choice(["released", "recorded"]), required=True)
@click.option("--prefix", default="VET", show_default=True, help="The Bates prefix.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
def production_make(
    email: str,
    candidate_ids: tuple[int, ...],
    purpose: str,
    reference: str,
    version: str,
    prefix: str,
    output: str,
) -> None:
    """Make a production bundle in this process (a job, so it is recorded like the console's) and write the ZIP.

    Check it anywhere with `vetting production verify FILE --public-key KEY.pem`.
    """
    from vetting.jobs.tasks import run_job
    from vetting.models import JobKind, JobStatus
    from vetting.services import jobs

    rt = _runtime()
    params = {
        "candidate_ids": list(candidate_ids),
        "purpose": purpose,
        "reference": reference,
        "version": version,
        "prefix": prefix,
    }
    try:
        with rt.db.transaction() as session:
            actor = _acting(session, email)
            job_id = jobs.start_job(session, actor, JobKind.PRODUCTION, **params).id
    except DomainError as error:
        _fail(error)
    with click.progressbar(length=len(set(candidate_ids)), label="Producing", file=sys.stderr) as bar:
        run_job(rt, job_id, observe=lambda steps, _total: bar.update(steps))
    with rt.db.transaction() as session:
        actor = _acting(session, email)
        view = jobs.job_status(session, actor, job_id)
        if view.status is not JobStatus.DONE:
            raise click.ClickException(f"The production failed: {view.error_message} ({view.error_code}).")
        name, _type, content = jobs.job_result(session, actor, rt.security.keyring, rt.queue.results, job_id)
    with open(output, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote {output} ({name}, {len(content)} bytes, job {job_id}).", err=True)


@production_group.command(
    "verify", context_settings={"ignore_unknown_options": True, "help_option_names": []}, add_help_option=False
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def production_verify(arguments: tuple[str, ...]) -> None:
    """Check a bundle's signature and every hash: BUNDLE [--public-key PEM] (runs without the app)."""
    from vetting.audit.bundle import main as verify_bundle

    verify_bundle(list(arguments))


@cli.group("custody")
def custody_group() -> None:
    """Chain of custody of an evidence file or a signed consent form (issue 15 point 6, RET-08)."""


def _print_custody(found: Any) -> None:
    r = found.received
    click.echo(found.title)
    click.echo(f"received\t{_moment(r.at)}\t{r.by}\tSHA-256 {r.sha256}\t{r.content_type}\t{r.size_bytes} bytes")
    if not r.matches_chain:
        click.echo("WARNING: the stored SHA-256 differs from the one the audit chain recorded at receipt.")
    for line in found.lines:
        click.echo(f"{line.step}\t{_moment(line.at)}\t{line.who}\t{line.note}")
    if found.disposition is not None:
        d = found.disposition
        click.echo(f"{d.kind} {d.id}\t{d.status}\t{d.retention_class}\t{d.citation}")


_custody_reader = click.option(
    "--by",
    "email",
    required=True,
    help="Who reads it: a records officer, auditor, administrator or the cycle's investigator.",
)
_custody_pdf = click.option(
    "--pdf",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the PDF report here (audited).",
)


@custody_group.command("evidence")
@click.argument("evidence_id", type=click.IntRange(min=1))
@_custody_reader
@_custody_pdf
def custody_evidence(evidence_id: int, email: str, output: str | None) -> None:
    """Print evidence file EVIDENCE_ID's chain of custody, one step a line; --pdf writes the report."""
    from vetting.services import custody

    _custody_command(email, output, evidence_id, custody.evidence_custody, custody.evidence_custody_pdf)


@custody_group.command("consent")
@click.argument("candidate_id", type=click.IntRange(min=1))
@_custody_reader
@_custody_pdf
def custody_consent(candidate_id: int, email: str, output: str | None) -> None:
    """Print the chain of custody of CANDIDATE_ID's signed consent form; --pdf writes the report."""
    from vetting.services import custody

    _custody_command(email, output, candidate_id, custody.consent_custody, custody.consent_custody_pdf)


def _custody_command(email: str, output: str | None, ident: int, read: Any, pdf: Any) -> None:
    from vetting.config import AGENCY_NAME_MISSING

    rt = _runtime()
    try:
        with rt.db.transaction() as session:
            actor = _acting(session, email)
            if output is None:
                _print_custody(read(session, actor, ident))
                return
            if not rt.settings.agency_name:
                raise click.ClickException(AGENCY_NAME_MISSING)
            name, content = pdf(session, actor, rt.security, rt.reports, rt.settings.agency_name, ident)
    except DomainError as error:
        _fail(error)
    with open(output, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote {output} ({name}, {len(content)} bytes).", err=True)


def main() -> None:
    cli.main(prog_name="vetting")
