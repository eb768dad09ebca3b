"""The database DATABASE_URL names, made when it is missing (`make migrate` on a new Postgres server).

A problem is raised as an `errors.StoryboardError` with one line an operator can act on: the server does not answer,
or the database is missing and this role may not create it (then the line names the command that does).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storyboard import errors

CONNECT_TIMEOUT_SECONDS = 5
# Databases every Postgres server has, to connect to while ours does not exist yet.
MAINTENANCE_DATABASES = ("postgres", "template1")


def ensure_database(uri: str) -> str | None:
    """Make the database of `uri` if it does not exist; what was done ("created database x on host:port"),
    or None when there was nothing to do."""
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return None
    if url.get_backend_name() != "postgresql":
        return None
    import psycopg

    try:
        psycopg.connect(_conninfo(url), connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        return None
    except psycopg.OperationalError as exc:
        if f'database "{url.database}" does not exist' not in str(exc):
            reason = _reason(exc)
            raise errors.StoryboardError(
                f"Postgres at {_where(url)} does not answer as {url.username}: {reason}"
            ) from None
    _create(url)
    return f"created database {url.database} on {_where(url)}"


def _create(url: URL) -> None:
    import psycopg
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database))
    last: Exception | None = None
    for maintenance in MAINTENANCE_DATABASES:
        try:
            with psycopg.connect(
                _conninfo(url.set(database=maintenance)), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True
            ) as conn:
                conn.execute(statement)
            return
        except psycopg.errors.DuplicateDatabase:
            return  # made meanwhile by someone else: it exists, which is all we wanted
        except psycopg.errors.InsufficientPrivilege as exc:
            last = exc
            break
        except psycopg.OperationalError as exc:  # no access to this maintenance database: try the next
            last = exc
    raise errors.StoryboardError(
        f"Database {url.database} does not exist on {_where(url)} and {url.username} may not create it "
        f"({_reason(last)}): run `createdb -h {url.host or 'localhost'} -p {url.port or 5432} -O {url.username} "
        f"{url.database}` as a role that may, then `make migrate` again"
    )


def _conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _reason(exc: Exception | None) -> str:
    """libpq's message without its 'connection failed: ...' prefix, on one line."""
    text = " ".join(str(exc or "").split())
    return text.rsplit("failed: ", 1)[-1] or type(exc).__name__
