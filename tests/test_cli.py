"""The command line: create a user, set its password, create a key, and bootstrap the local user."""

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


def test_bootstrap_local_reuses_the_user_and_prints_a_working_key(app):
    runner = app.test_cli_runner()
    outputs = [runner.invoke(args=["bootstrap-local"]).output for _ in range(2)]
    keys = [out.split("API key: ")[1].strip() for out in outputs]
    assert keys[0] != keys[1] and all("User: local" in out for out in outputs)
    for key in keys:
        assert_ok(app.test_client().get("/api/v3/clients", headers={"X-API-Key": key}))
