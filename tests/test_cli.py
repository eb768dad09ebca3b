"""The command line: create a user, set its password, (de)activate it, create a key, bootstrap the local user
(more operator commands: tests/test_operator_cli.py)."""

from __future__ import annotations

from tests.support.envelope import assert_ok


def test_a_user_made_on_the_command_line_can_log_in_and_use_its_key(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "carol"]).exit_code == 0
    assert runner.invoke(args=["users", "set-password", "carol", "--password", "long enough"]).exit_code == 0
    key = runner.invoke(args=["keys", "create", "carol", "--name", "ci"]).output.split("API key: ")[1].strip()
    client = app.test_client()
    assert_ok(client.get("/api/v3/clients", headers={"X-API-Key": key}))
    login = client.post("/api/auth/login", data={"username": "carol", "password": "long enough"})
    assert assert_ok(login)["username"] == "carol"


def test_bootstrap_local_prints_the_same_working_key_at_every_start(app):
    runner = app.test_cli_runner()
    outputs = [runner.invoke(args=["bootstrap-local"]).output for _ in range(2)]
    keys = [out.split("API key: ")[1].splitlines()[0].strip() for out in outputs]
    assert keys[0] == keys[1] and all("User: local" in out for out in outputs)
    assert_ok(app.test_client().get("/api/v3/clients", headers={"X-API-Key": keys[0]}))


def test_deactivate_refuses_the_users_key_and_activate_restores_it(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "dave"])
    key = runner.invoke(args=["keys", "create", "dave"]).output.split("API key: ")[1].strip()
    client = app.test_client()
    deactivated = runner.invoke(args=["users", "deactivate", "dave"])
    assert deactivated.exit_code == 0 and "Deactivated dave" in deactivated.output
    assert client.get("/api/v3/clients", headers={"X-API-Key": key}).status_code == 403
    activated = runner.invoke(args=["users", "activate", "dave"])
    assert activated.exit_code == 0 and "Activated dave" in activated.output
    assert_ok(client.get("/api/v3/clients", headers={"X-API-Key": key}))


def test_user_commands_name_an_unknown_user_in_one_line(app):
    runner = app.test_cli_runner()
    for args in (["deactivate", "nobody"], ["activate", "nobody"], ["set-password", "nobody", "--password", "x"]):
        result = runner.invoke(args=["users", *args])
        assert result.exit_code == 1 and "User 'nobody' not found" in result.output, result.output
        assert "Traceback" not in result.output
