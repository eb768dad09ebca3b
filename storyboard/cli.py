"""Command-line tools: `flask --app wsgi users|keys|blobs|worker|sweep|bootstrap-local|setup-database`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from storyboard.queue import QUEUES

users_cli = AppGroup("users", help="Manage users.")
keys_cli = AppGroup("keys", help="Manage API keys.")
blobs_cli = AppGroup("blobs", help="Move stored bytes between blob stores and check them.")


def _user(username: str):
    """The user named USERNAME (or the one user with that email); a one-line error (exit status 1) otherwise."""
    from storyboard import errors
    from storyboard.services import accounts

    try:
        return accounts.find_user(username)
    except (errors.NotFound, errors.Conflict) as exc:
        raise click.ClickException(exc.message) from exc


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _table(header: tuple[str, ...], rows: list[tuple]) -> None:
    """Columns padded to their widest cell, the header first."""
    cells = [tuple(str(value) for value in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())


@users_cli.command("list")
def list_users():
    """List every user: id, username, email, whether active, created, last login."""
    from storyboard.services import accounts

    rows = [
        (
            u.id,
            u.username,
            u.email or "-",
            "active" if u.is_active else "inactive",
            _when(u.created_at),
            _when(u.last_login),
        )
        for u in accounts.list_users()
    ]
    _table(("ID", "USERNAME", "EMAIL", "STATE", "CREATED", "LAST LOGIN"), rows)


@users_cli.command("create")
@click.argument("username")
@click.option("--password", default=None, help="Password for /api/auth/login (optional).")
@click.option("--email", default=None)
def create_user(username, password, email):
    """Create a user."""
    from storyboard.services import accounts

    user = accounts.create_user(username, password=password, email=email)
    click.echo(f"Created user {user.username} ({user.id})")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def set_password(username, password):
    """Set the password USERNAME logs in with at /api/auth/login; login tokens issued before stop working."""
    from storyboard.services import accounts

    accounts.set_password(_user(username), password)
    click.echo(f"Password set for {username}")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user(username):
    """Refuse the user's every credential (403) from the next request on, until `users activate`; USERNAME
    may be the user's email."""
    from storyboard.services import accounts

    user = _user(username)
    accounts.set_active(user, False)
    click.echo(f"Deactivated {user.username}")


@users_cli.command("activate")
@click.argument("username")
def activate_user(username):
    """Let the user's credentials work again (tokens and keys that have not expired or been revoked); USERNAME
    may be the user's email."""
    from storyboard.services import accounts

    user = _user(username)
    accounts.set_active(user, True)
    click.echo(f"Activated {user.username}")


@keys_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the key.")
@click.option("--expires-days", type=int, default=None)
def create_key(username, name, expires_days):
    """Create an API key for USERNAME and print it (shown once)."""
    from storyboard.services import accounts

    key, plain = accounts.create_api_key(_user(username), name, expires_days)
    click.echo(f"Key id: {key.id}")
    click.echo(f"API key: {plain}")


@keys_cli.command("list")
@click.argument("username")
def list_keys(username):
    """List USERNAME's API keys (or the user's with that email): id, name, first characters, state, dates."""
    from storyboard.models import utcnow
    from storyboard.services import accounts

    now = utcnow()

    def state(key) -> str:
        if not key.is_active:
            return "revoked"
        return "expired" if key.expires_at and key.expires_at < now else "active"

    rows = [
        (k.id, k.name, k.prefix + "…", state(k), _when(k.created_at), _when(k.last_used), _when(k.expires_at))
        for k in accounts.list_api_keys(_user(username))
    ]
    _table(("ID", "NAME", "KEY", "STATE", "CREATED", "LAST USED", "EXPIRES"), rows)


@keys_cli.command("revoke")
@click.argument("key_id")
def revoke_key(key_id):
    """Revoke the API key KEY_ID (see `keys list`): it is refused (401) from the next request on."""
    from storyboard import errors
    from storyboard.services import accounts

    try:
        key, owner = accounts.revoke_key(key_id)
    except errors.NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Revoked key {key.id} ({key.name}, {key.prefix}…) of {owner.username}")


LOCAL_KEY_NAME = "make run"


@click.command("bootstrap-local")
@with_appcontext
@click.option("--username", default="local")
def bootstrap_local(username):
    """Print the local user's API key (used by `make run`): made once, with the user, and kept in
    LOCAL_API_KEY_FILE (mode 0600); a new one only when that key no longer works here."""
    from storyboard import errors
    from storyboard.services import accounts

    path = Path(current_app.config["LOCAL_API_KEY_FILE"])
    stored = path.read_text().strip() if path.is_file() else None
    try:
        user, plain, revoked = accounts.local_key(username, stored, LOCAL_KEY_NAME)
    except errors.Forbidden as exc:
        raise click.ClickException(f"{username} is deactivated: flask --app wsgi users activate {username}") from exc
    if plain != stored:
        _write_private(path, plain)
    click.echo(f"User: {user.username}")
    click.echo(f"API key: {plain}")
    if revoked:
        click.echo(f"Revoked {revoked} earlier '{LOCAL_KEY_NAME}' key(s) of {user.username}")


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by this user only, never for a moment by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text + "\n")
    path.chmod(0o600)  # a file that existed keeps its mode through O_CREAT


@click.command("setup-database")
@with_appcontext
def setup_database():
    """Create the database DATABASE_URL names when it does not exist (Postgres), then apply the migrations
    (flask db upgrade). Used by `make migrate`; a problem is one line naming what to do."""
    from flask_migrate import upgrade

    from storyboard import errors
    from storyboard.services import core

    try:
        done = core.ensure_database(current_app.config["SQLALCHEMY_DATABASE_URI"])
    except errors.StoryboardError as exc:
        raise click.ClickException(exc.message) from exc
    if done:
        click.echo(done.capitalize())
    upgrade()


@click.command("worker")
@with_appcontext
@click.option("--queues", default=",".join(QUEUES), help="Comma list of queues.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option(
    "--share-metrics",
    is_flag=True,
    help="Count LLM calls, renders and downloads into this instance's metrics folder (PROMETHEUS_MULTIPROC_DIR), "
    "so the /metrics of the gunicorn beside it shows them (`make worker` does).",
)
def worker(queues, burst, share_metrics):
    """Run an RQ worker for this app (needs REDIS_URL)."""
    from storyboard import metrics
    from storyboard import worker as worker_mod

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: work runs in process without a worker")
    if share_metrics and not metrics.share_directory(current_app.config["PROMETHEUS_MULTIPROC_DIR"]):
        click.echo("metrics were counted in memory already: this worker's stay out of /metrics", err=True)
    worker_mod.run(current_app, queues.split(","), burst=burst)


@click.command("sweep")
@with_appcontext
def sweep():
    """Settle lost work now: fail interrupted downloads, requeue or fail renders whose worker died."""
    from storyboard.services import maintenance

    click.echo(maintenance.sweep())


STORE_KINDS = click.Choice(["filesystem", "postgres", "s3"])


@blobs_cli.command("migrate")
@click.option("--to", "to", type=STORE_KINDS, required=True, help="The store to move the bytes into.")
@click.option("--from", "source", type=STORE_KINDS, default=None, help="Only the blobs in this store.")
@click.option("--delete-source", is_flag=True, help="Remove the old copy once a blob is moved and verified.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after moving this many blobs.")
@click.option("--quiet", is_flag=True, help="No line per blob.")
def migrate_blobs(to, source, delete_source, limit, quiet):
    """Copy blobs into another store, verify each sha256, switch their rows; safe to re-run after a stop.

    The service keeps serving throughout (each row says where its bytes are). Set BLOB_STORAGE_TYPE to the new
    store afterwards, then run this once more to move what was written meanwhile."""
    from storyboard import errors
    from storyboard.services.core import blob_moves

    def progress(blob, verdict):
        if not quiet or verdict != "moved":
            click.echo(f"{blob.id} {blob.size_bytes} {verdict}")

    try:
        report = blob_moves.migrate(to, source=source, delete_source=delete_source, limit=limit, progress=progress)
    except errors.StoryboardError as exc:
        raise click.ClickException(f"{exc.message} (run it again to resume)") from None
    click.echo(
        f"moved {report.moved}, failed {len(report.failed)}, old copies removed {report.dropped}"
        + (f", {report.left} left (--limit)" if report.left else "")
    )
    if report.failed:
        raise SystemExit(1)


@blobs_cli.command("verify")
@click.option("--quiet", is_flag=True, help="Only the problems and the summary.")
def verify_blobs(quiet):
    """Read every blob back from its store and check its sha256 and size; exit 1 on a missing or bad one."""
    from storyboard.services.core import blob_moves

    def progress(blob, verdict):
        if not quiet or verdict != "ok":
            click.echo(f"{blob.id} {blob.store or current_app.config['BLOB_STORAGE_TYPE']} {verdict}")

    report = blob_moves.verify(progress)
    click.echo(
        f"checked {report.checked}: missing {len(report.missing)}, mismatched {len(report.mismatched)}, "
        f"unreferenced {len(report.unreferenced)}"
    )
    if not report.ok:
        raise SystemExit(1)


def register(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(blobs_cli)
    app.cli.add_command(bootstrap_local)
    app.cli.add_command(setup_database)
    app.cli.add_command(worker)
    app.cli.add_command(sweep)
