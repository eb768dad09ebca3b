"""Operator commands: users list, (de)activate by username or email, keys list and revoke (a revoked key is
refused at once), and the local key of `make run` (made once, kept in a 0600 file, printed at every start)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.envelope import assert_error, assert_ok


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(args=list(args))
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


def _key(output: str) -> str:
    return output.split("API key: ")[1].splitlines()[0].strip()


def _clients(app, key: str):
    return app.test_client().get("/api/v3/clients", headers={"X-API-Key": key})


def test_users_list_shows_every_user_and_its_state(cli):
    cli("users", "create", "erin", "--email", "erin@example.com")
    cli("users", "create", "frank")
    cli("users", "deactivate", "frank")
    lines = cli("users", "list").splitlines()
    assert lines[0].split() == ["ID", "USERNAME", "EMAIL", "STATE", "CREATED", "LAST", "LOGIN"]
    erin = next(line for line in lines if " erin " in line)
    frank = next(line for line in lines if " frank " in line)
    assert "erin@example.com" in erin and " active " in erin
    assert " inactive " in frank and " - " in frank


def test_a_user_is_deactivated_and_activated_by_email(app, cli):
    cli("users", "create", "gina", "--email", "gina@example.com")
    key = _key(cli("keys", "create", "gina@example.com"))
    assert "Deactivated gina" in cli("users", "deactivate", "gina@example.com")
    assert_error(_clients(app, key), 403)
    assert "Activated gina" in cli("users", "activate", "gina@example.com")
    assert_ok(_clients(app, key))


def test_an_email_two_users_share_is_refused_in_one_line(cli):
    cli("users", "create", "hal", "--email", "shared@example.com")
    cli("users", "create", "ida", "--email", "shared@example.com")
    output = cli("users", "deactivate", "shared@example.com", code=1)
    assert "Several users have the email 'shared@example.com'" in output


def test_keys_list_shows_id_name_prefix_and_state(cli):
    cli("users", "create", "jo")
    first = cli("keys", "create", "jo", "--name", "frontend")
    cli("keys", "create", "jo", "--name", "batch", "--expires-days", "30")
    key_id = first.split("Key id: ")[1].splitlines()[0]
    cli("keys", "revoke", key_id)
    lines = cli("keys", "list", "jo").splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "KEY", "STATE"]
    frontend = next(line for line in lines if line.startswith(key_id))
    assert " frontend " in frontend and " revoked " in frontend and _key(first)[:10] + "…" in frontend
    batch = next(line for line in lines if " batch " in line)
    expires = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert " active " in batch and expires in batch


def test_a_revoked_key_is_refused_at_once_and_the_users_other_keys_still_work(app, cli):
    cli("users", "create", "kim")
    doomed, kept = cli("keys", "create", "kim"), cli("keys", "create", "kim")
    assert_ok(_clients(app, _key(doomed)))
    key_id = doomed.split("Key id: ")[1].splitlines()[0]
    assert f"Revoked key {key_id} (cli, sk_" in cli("keys", "revoke", key_id)
    assert_error(_clients(app, _key(doomed)), 401)
    assert_ok(_clients(app, _key(kept)))


def test_unknown_users_and_keys_are_one_line_errors(cli):
    assert "User 'nobody' not found" in cli("keys", "list", "nobody", code=1)
    assert "API key 'no-such-key' not found" in cli("keys", "revoke", "no-such-key", code=1)


def test_the_local_key_is_kept_in_a_private_file(app, cli):
    output = cli("bootstrap-local")
    path = Path(app.config["LOCAL_API_KEY_FILE"])
    assert path.read_text().strip() == _key(output)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _key(cli("bootstrap-local")) == _key(output)
    assert_ok(_clients(app, _key(output)))


def test_a_lost_key_file_gets_a_new_key_and_the_old_make_run_keys_stop(app, cli):
    old = _key(cli("bootstrap-local"))
    Path(app.config["LOCAL_API_KEY_FILE"]).unlink()
    output = cli("bootstrap-local")
    new = _key(output)
    assert new != old and "Revoked 1 earlier 'make run' key(s) of local" in output
    assert_error(_clients(app, old), 401)
    assert_ok(_clients(app, new))


def test_a_key_file_from_another_database_is_replaced(app, cli):
    path = Path(app.config["LOCAL_API_KEY_FILE"])
    path.write_text("sk_from_some_other_database\n")
    path.chmod(0o644)
    new = _key(cli("bootstrap-local"))
    assert new != "sk_from_some_other_database" and path.read_text().strip() == new
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_ok(_clients(app, new))


@pytest.fixture(autouse=True)
def _no_key_file(app):
    yield
    Path(app.config["LOCAL_API_KEY_FILE"]).unlink(missing_ok=True)
