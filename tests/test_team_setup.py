"""README's "Running for a team" section, run as written: its exports (then this machine's database, Redis,
folders and port on top), `make migrate` on a database that does not exist yet, each account command, and
`make serve` + `make worker`; then a job through the API, the metrics behind their token and the logs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, _plain, postgres_answers
from tests.support import redis_server
from tests.support.gunicorn import free_port
from tests.support.waiting import wait_for
from tests.support.workers import ROOT, SCRUBBED

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
private_redis = redis_server.private_redis
README = ROOT / "README.md"
PASSWORD = "a password for alice"


def team_section() -> list[str]:
    """The command lines of the first sh block under '## Running for a team'."""
    section = README.read_text().split("## Running for a team", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


class Shell:
    """The README's session: its exports evaluated once by bash, then each command run in that environment."""

    def __init__(self, exports: list[str], overrides: dict[str, str], folder: Path):
        base = {k: v for k, v in os.environ.items() if k not in SCRUBBED and not k.startswith(("GUNICORN_", "RQ_"))}
        script = "\n".join([*exports, "env -0"])
        done = subprocess.run(["bash", "-ec", script], cwd=ROOT, env=base, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        self.env = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
        self.env.update(overrides)
        self.folder, self.background = folder, []

    def run(self, command: str) -> str:
        # No terminal (a session of its own): password prompts read the answers from stdin.
        done = subprocess.run(
            ["bash", "-ec", command],
            cwd=ROOT,
            env=self.env,
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def start(self, command: str) -> Path:
        log = self.folder / f"{command.split()[1]}.log"
        with open(log, "ab") as out:
            self.background.append(
                subprocess.Popen(
                    ["bash", "-c", command],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
        return log

    def stop(self) -> None:
        for proc in self.background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # make and the server or worker it started
        for proc in self.background:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def postgres_name():
    if reason := postgres_answers():
        pytest.skip(reason)
    name = f"sb_team_{uuid.uuid4().hex[:10]}"
    yield name
    import psycopg

    with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _api(port: int, method: str, path: str, key: str | None = None, body: dict | None = None, **headers):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
    if key:
        headers["X-API-Key"] = key
    data = json.dumps(body) if body is not None else None
    if data:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    status, text = response.status, response.read().decode()
    conn.close()
    return status, text


def test_the_readme_team_section_works_as_written(private_redis, postgres_name, tmp_path):
    lines = team_section()
    exports = [line for line in lines if line.startswith("export ")]
    commands = [line for line in lines if not line.startswith("export ")]
    port = free_port()
    database = _plain(PG_ADMIN_URL).rsplit("/", 1)[0] + "/" + postgres_name  # not created: make migrate does it
    shell = Shell(
        exports,
        {
            "DATABASE_URL": database,
            "REDIS_URL": private_redis.url,
            "BLOB_STORAGE_DIR": str(tmp_path / "blobs"),
            "PORT": str(port),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "GUNICORN_WORKERS": "1",
            "LOG_LEVEL": "INFO",
        },
        tmp_path,
    )
    assert shell.env["ENVIRONMENT"] == "production" and len(shell.env["SECRET_KEY"]) >= 32
    prefix, token = shell.env["RQ_QUEUE_PREFIX"], shell.env["METRICS_TOKEN"]
    keys: dict[str, str] = {}
    logs: dict[str, Path] = {}
    try:
        for command in commands:
            if command.startswith(("make serve", "make worker")):
                logs[command.split()[1]] = shell.start(command)
                continue
            if "KEY_ID" in command:  # the README's placeholder: revoke an older key of alice's
                old = shell.run(".venv/bin/flask --app wsgi keys create alice --name old")
                keys["old"] = re.search(r"API key: (\S+)", old).group(1)
                command = command.replace("KEY_ID", re.search(r"Key id: (\S+)", old).group(1))
            output = shell.run(command)
            if command.startswith("make migrate"):
                assert f"Created database {postgres_name}" in output
            if " keys create alice" in command:
                keys["frontend"] = re.search(r"API key: (\S+)", output).group(1)
            if " users list" in command:
                assert re.search(r"\balice\b.*\bactive\b", output), output
            if " keys list alice" in command:
                assert " frontend " in output
        assert {"serve", "worker"} <= set(logs), "the section starts gunicorn and a worker"
        wait_for(lambda: _api(port, "GET", "/readyz")[0] == 200 if _serving(port) else False, 90, what="make serve")
        assert _api(port, "GET", "/api/v3/clients", keys["old"])[0] == 401  # revoked
        assert _api(port, "GET", "/api/v3/clients", keys["frontend"])[0] == 403  # alice was deactivated last
        shell.run(".venv/bin/flask --app wsgi users activate alice")  # as the README says, undoes it
        _a_job_through_the_worker(port, keys["frontend"])
        _metrics_behind_the_token(port, token)
        log = logs["serve"].read_text()
        assert re.search(r"storyboard\.access: POST /api/v3/jobs 201 .*\[request_id=\w+ method=POST", log), log[-3000:]
        from redis import Redis

        queues = Redis.from_url(private_redis.url).smembers("rq:queues")
        assert f"rq:queue:{prefix}-llm".encode() in queues, queues
    finally:
        shell.stop()


def _serving(port: int) -> bool:
    try:
        return _api(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


def _a_job_through_the_worker(port: int, key: str) -> None:
    status, text = _api(port, "POST", "/api/v3/clients", key, {"name": "Acme"})
    assert status == 201, text
    client_id = json.loads(text)["data"]["id"]
    body = {
        "context": {"clientId": client_id},
        "adBasics": {"product": "Bottle", "targetAudience": "commuters", "keyMessage": "Stay hydrated",
                     "callToAction": "Order today"},
        "creative": {"videoSpecs": {"duration": 15}, "direction": {"style": "modern"}},
    }  # fmt: skip
    status, text = _api(port, "POST", "/api/v3/jobs", key, body, Prefer="wait=60")
    assert status == 201, text
    assert json.loads(text)["data"]["status"] == "storyboard_review"


def _metrics_behind_the_token(port: int, token: str) -> None:
    assert _api(port, "GET", "/metrics")[0] == 401
    status, text = _api(port, "GET", "/metrics", Authorization=f"Bearer {token}")
    assert status == 200 and 'storyboard_jobs{status="storyboard_review"} 1.0' in text, text[-2000:]
