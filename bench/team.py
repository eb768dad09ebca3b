"""Team mode: job creations completed per second, gunicorn on Postgres + Redis with 2 RQ workers.

Two servers, each gunicorn (2 gthread workers x 8 threads) on its own fresh Postgres database, offline
storyboard writer (no API key):

- team: REDIS_URL = a throwaway redis-server on a free port (the suite's Redis is left alone), plus two
  `flask --app wsgi worker` processes that write the storyboards;
- local (the anchor): no Redis, the same work on the in-process threads (LOCAL_WORK_THREADS).

Each round, on each server in turn (the order swapped every round): 8 client threads POST `--team-jobs` jobs
to /api/v3/jobs with `Prefer: respond-async` (202 at once), then GET /api/v3/jobs?status=storyboard_review is
polled until all of them got there. The figure is jobs / seconds from the first POST to the last one in
storyboard_review (a failed job stops the round with an error).
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import Redis, Row, Service, log, post_jobs, postgres_available, tool
from reads import brief

CLIENT_THREADS = 8


def _count(service: Service, status: str) -> int:
    code, body = service.call("GET", f"/api/v3/jobs?status={status}&limit=1")
    if code != 200:
        raise RuntimeError(f"{service.label}: GET /jobs?status={status}: {code} {str(body)[:300]}")
    return body["meta"]["total"]


def batch(service: Service, client: str, campaign: str, count: int, timeout: float = 300) -> float:
    """Jobs per second: `count` async creates, then wait until all are in storyboard_review."""
    before, failed_before = _count(service, "storyboard_review"), _count(service, "failed")
    headers = {**service.headers, "Content-Type": "application/json", "Prefer": "respond-async"}

    def create(indexes: list[int]) -> None:
        post_jobs(service.port, indexes, headers, lambda i: brief(client, campaign, i), service.label)

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(create, [list(range(count))[i::CLIENT_THREADS] for i in range(CLIENT_THREADS)]))
    deadline = time.monotonic() + timeout
    while True:
        done = _count(service, "storyboard_review") - before
        if done >= count:
            break
        if _count(service, "failed") > failed_before:
            raise RuntimeError(f"{service.label}: a job failed:\n{service.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service.label}: {done}/{count} jobs in storyboard_review after {timeout} s")
        time.sleep(0.05)
    return count / (time.perf_counter() - started)


def run(args, rows: list[Row], results: dict) -> None:
    out = results.setdefault("team", {})
    if not postgres_available():
        log("team: SKIPPED, Postgres does not answer")
        out["skipped"] = "no Postgres"
        return
    if not tool("redis-server"):
        log("team: SKIPPED, redis-server not found. Install it with: apt-get install -y redis-server")
        out["skipped"] = "no redis-server"
        return
    n = args.team_jobs
    row = Row("team", f"Team mode (Postgres + Redis, 2 RQ workers): {n} job creations completed per second",
              "jobs/s", "local mode (in-process threads), same Postgres", target=("value", ">=", 10.0))  # fmt: skip
    services: dict[str, Service] = {}
    redis = None
    try:
        redis = Redis(Path(tempfile.mkdtemp(prefix="bench-redis-")))
        services["team"] = Service("team", backend="postgres", redis_url=redis.url, rq_workers=2).start()
        services["local"] = Service("team-local", backend="postgres").start()
        ids = {}
        for mode, service in services.items():
            code, body = service.call("POST", "/api/v3/clients", {"name": "Team client"})
            client = body["data"]["id"]
            code, body = service.call("POST", "/api/v3/campaigns", {"clientId": client, "name": "C", "goal": "G"})
            ids[mode] = (client, body["data"]["id"])
            batch(service, *ids[mode], 10)  # warm up: imports, pools, the workers' first jobs
        samples = []
        for round_no in range(args.rounds):
            order = ["team", "local"] if round_no % 2 == 0 else ["local", "team"]
            got = {mode: batch(services[mode], *ids[mode], n) for mode in order}
            row.add(got["team"], got["local"])
            samples.append(got)
            log(f"team: round {round_no + 1}: team {got['team']:.1f} jobs/s, local {got['local']:.1f} jobs/s")
        rows.append(row)
        out.update({"jobs_per_round": n, "samples": samples, "row": row.as_json()})
    except Exception as error:  # noqa: BLE001 - one section's failure must not lose the others
        log(f"team: FAILED: {error}")
        for s in services.values():
            log(f"{s.label} log tail:\n{s.log_tail()}\n{s.log_tail('worker0.log')}")
        row.error = str(error).splitlines()[0][:120]
        rows.append(row)
    finally:
        for service in services.values():
            service.stop()
        if redis:
            redis.stop()
