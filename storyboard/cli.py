"""Command-line tools: `flask --app wsgi users|keys|worker|bootstrap-local`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from storyboard.queue import QUEUES

users_cli = AppGroup("users", help="Manage users.")
keys_cli = AppGroup("keys", help="Manage API keys.")


def _user(username: str):
    """The user named USERNAME; a one-line error (exit status 1) when there is none."""
    from storyboard import errors
    from storyboard.services import accounts

    try:
        return accounts.get_user_by_name(username)
    except errors.NotFound as exc:
        raise click.ClickException(exc.message) from exc


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
    """Refuse USERNAME's every credential (403) from the next request on, until `users activate`."""
    from storyboard.services import accounts

    accounts.set_active(_user(username), False)
    click.echo(f"Deactivated {username}")


@users_cli.command("activate")
@click.argument("username")
def activate_user(username):
    """Let USERNAME's credentials work again (tokens and keys that have not expired or been revoked)."""
    from storyboard.services import accounts

    accounts.set_active(_user(username), True)
    click.echo(f"Activated {username}")


@keys_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the key.")
@click.option("--expires-days", type=int, default=None)
def create_key(username, name, expires_days):
    """Create an API key for USERNAME and print it (shown once)."""
    from storyboard.services import accounts

    _key, plain = accounts.create_api_key(accounts.get_user_by_name(username), name, expires_days)
    click.echo(f"API key: {plain}")


@click.command("bootstrap-local")
@with_appcontext
@click.option("--username", default="local")
def bootstrap_local(username):
    """Ensure a local user exists and print a fresh API key for it (used by `make run`)."""
    from storyboard import errors
    from storyboard.services import accounts

    try:
        user = accounts.get_user_by_name(username)
    except errors.NotFound:
        user = accounts.create_user(username)
    _key, plain = accounts.create_api_key(user, "make run")
    click.echo(f"User: {user.username}")
    click.echo(f"API key: {plain}")


@click.command("worker")
@with_appcontext
@click.option("--queues", default=",".join(QUEUES), help="Comma list of queues.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(queues, burst):
    """Run an RQ worker for this app (needs REDIS_URL)."""
    from storyboard import worker as worker_mod

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: work runs in process without a worker")
    worker_mod.run(current_app, queues.split(","), burst=burst)


@click.command("sweep")
@with_appcontext
def sweep():
    """Settle lost work now: fail interrupted downloads, requeue or fail renders whose worker died."""
    from storyboard.services import maintenance

    click.echo(maintenance.sweep())


def register(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(bootstrap_local)
    app.cli.add_command(worker)
    app.cli.add_command(sweep)
