"""Job list totals and client/campaign stats at 1k and at 100k jobs, before and after the tallies (issue 9).

    .venv/bin/python bench/bench_tallies.py [--backends sqlite,postgres] [--calls 200] [--limit 10]

For each backend it builds two databases through the migrations (SQLite: temp files; Postgres: fresh databases,
VACUUM ANALYZEd as autovacuum would leave them), each with one user, 20 clients of 5 campaigns, and 1k or 100k
jobs (a tenth without a campaign, 40% completed with a cost, inserted with executemany). Then, alternating
1k/100k, it times each case `--calls` times and prints the medians:

- service level, in an app context inside `read_only()` as a GET runs: "before" is the page query plus the
  count(*) or aggregate over jobs the services ran until migration 0005 (spelled out below); "after" is
  `jobs.list_jobs`, `catalog.client_stats` and `catalog.campaign_stats` as they are now (page + tally total);
- HTTP, "after" only: the same routes through the Flask test client with an API key (auth and JSON included).

Jobs go in by transactions of BATCH (1,000), as an import would. Last, on the 100k databases, what the triggers
cost writers, with the triggers and without them in alternation: inserting one job, changing one job's status
(medians of 200, each its own commit) and deleting a client (cascading to its ~5k jobs; median of 3).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SIZES = (1_000, 100_000)
# Jobs per insert transaction. One transaction of 100k leaves Postgres's tally table bloated (each insert writes
# a new version of a tally row, none can be pruned before the commit, and VACUUM keeps the emptied pages), which
# the no-filter total then reads: 300 pages for 736 rows instead of 6, about +2 ms.
BATCH = 1_000
CLIENTS, CAMPAIGNS = 20, 5
STATUSES = ("pending", "storyboard_processing", "storyboard_review", "in_progress", "rendering", "failed", "cancelled")


def job_rows(user_id: str, clients: list[str], campaigns: dict[str, list[str]], count: int) -> list[dict]:
    rng, start = random.Random(count), datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for index in range(count):
        client = clients[index % CLIENTS]
        campaign = None if index % 10 == 9 else campaigns[client][(index // CLIENTS) % CAMPAIGNS]
        completed = rng.random() < 0.4
        created = start + timedelta(seconds=index)
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "user_id": user_id,
                "client_id": client,
                "campaign_id": campaign,
                "status": "completed" if completed else rng.choice(STATUSES),
                "request": {"context": {"clientId": client}, "adBasics": {"product": "Aurora"}},
                "generate_audio": False,
                "estimated_cost": 3.015,
                "actual_cost": round(rng.uniform(0.5, 9.5), 2) if completed else None,
                "generation": 0,
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def build(url: str, count: int, blob_dir: str):
    """An app on a migrated database with the bench's rows; returns (app, world ids, API key)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from storyboard import create_app
    from storyboard.models import Campaign, Client, Job, db
    from storyboard.services import accounts

    settings = {
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "bench-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": url,
        "BLOB_STORAGE_TYPE": "filesystem",
        "BLOB_STORAGE_DIR": blob_dir,
        "AI_PROVIDER": "offline",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    app = create_app(settings, env={})
    with app.app_context():
        upgrade()
        user = accounts.create_user(f"bench{count}")
        _key, plain = accounts.create_api_key(user, "bench")
        clients = [{"id": str(uuid.uuid4()), "user_id": user.id, "name": f"Client {i}"} for i in range(CLIENTS)]
        campaigns = {c["id"]: [str(uuid.uuid4()) for _ in range(CAMPAIGNS)] for c in clients}
        db.session.execute(insert(Client), clients)
        db.session.execute(
            insert(Campaign),
            [
                {"id": cid, "user_id": user.id, "client_id": client, "name": "C", "goal": "G"}
                for client, ids in campaigns.items()
                for cid in ids
            ],
        )
        db.session.commit()
        started = time.perf_counter()
        rows = job_rows(user.id, [c["id"] for c in clients], campaigns, count)
        for first in range(0, count, BATCH):
            db.session.execute(insert(Job), rows[first : first + BATCH])
            db.session.commit()
        built = time.perf_counter() - started
        world = {"user": user.id, "clients": [c["id"] for c in clients], "campaign": campaigns[clients[0]["id"]][0]}
        world["client"] = world["clients"][0]
    with app.app_context(), db.engine.connect() as conn:
        if url.startswith("postgresql"):
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            pages = conn.execute(text("SELECT pg_relation_size('job_tallies') / 8192")).scalar()
        else:
            pages = conn.execute(text("SELECT count(*) FROM dbstat WHERE name = 'job_tallies'")).scalar()
        conn.rollback()
        tallies = conn.execute(text("SELECT count(*) FROM job_tallies")).scalar()
    print(f"  {count:>7} jobs inserted in {built:.1f} s, {tallies} tally rows in {pages} pages", flush=True)
    return app, world, plain


# --- "before": the page query and the count or aggregate over jobs, as the services ran them until 0005 -----


def old_list(owner, client_id=None, campaign_id=None, status=None, *, limit: int):
    from sqlalchemy import func, select

    from storyboard.models import Job, db
    from storyboard.services.jobs import states

    query = select(Job).where(Job.user_id == owner.id)
    if client_id:
        query = query.where(Job.client_id == client_id)
    if campaign_id:
        query = query.where(Job.campaign_id == campaign_id)
    if statuses := states.expand_status_filter(status):
        query = query.where(Job.status.in_(statuses))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.order_by(Job.created_at.desc(), Job.id).offset(0).limit(limit)).all()
    return list(rows), total


def old_numbers(condition) -> dict:
    from sqlalchemy import case, func, select

    from storyboard.models import Job, db

    completed = Job.status == "completed"
    jobs, videos, spend = db.session.execute(
        select(
            func.count(Job.id),
            func.count(case((completed, 1))),
            func.coalesce(func.sum(case((completed, Job.actual_cost), else_=0.0)), 0.0),
        ).where(condition)
    ).one()
    return {"jobCount": jobs, "videoCount": videos, "totalSpend": round(float(spend), 4)}


def old_client_stats(owner, client_id):
    from sqlalchemy import func, select

    from storyboard.models import Asset, Campaign, Job, db
    from storyboard.services import catalog

    client = catalog.get_client(owner, client_id)
    numbers = old_numbers(Job.client_id == client.id)
    numbers["campaignCount"] = db.session.scalar(select(func.count(Campaign.id)).where(Campaign.client_id == client.id))
    numbers["assetCount"] = db.session.scalar(select(func.count(Asset.id)).where(Asset.client_id == client.id))
    return numbers


def old_campaign_stats(owner, campaign_id):
    from sqlalchemy import func, select

    from storyboard.models import Asset, Job, db
    from storyboard.services import catalog

    campaign = catalog.get_campaign(owner, campaign_id)
    numbers = old_numbers(Job.campaign_id == campaign.id)
    numbers["assetCount"] = db.session.scalar(select(func.count(Asset.id)).where(Asset.campaign_id == campaign.id))
    videos = numbers["videoCount"]
    numbers["avgCost"] = round(numbers["totalSpend"] / videos, 4) if videos else 0.0
    return numbers


# --- the cases --------------------------------------------------------------------------------------------


def cases(world: dict, limit: int) -> list[tuple[str, dict, str]]:
    """(name, list filters or stats target, HTTP path)."""
    client, campaign = world["client"], world["campaign"]
    return [
        ("jobs, no filter", {}, f"/api/v3/jobs?limit={limit}"),
        ("jobs ?client_id", {"client_id": client}, f"/api/v3/jobs?client_id={client}&limit={limit}"),
        (
            "jobs ?client_id&status",
            {"client_id": client, "status": "completed"},
            f"/api/v3/jobs?client_id={client}&status=completed&limit={limit}",
        ),
        ("jobs ?campaign_id", {"campaign_id": campaign}, f"/api/v3/jobs?campaign_id={campaign}&limit={limit}"),
        ("client stats", {"client": client}, f"/api/v3/clients/{client}/stats"),
        ("campaign stats", {"campaign": campaign}, f"/api/v3/campaigns/{campaign}/stats"),
    ]


def service_call(filters: dict, limit: int, new: bool):
    from storyboard.services import catalog, jobs

    def call(owner):
        if "client" in filters:
            return (catalog.client_stats if new else old_client_stats)(owner, filters["client"])
        if "campaign" in filters:
            return (catalog.campaign_stats if new else old_campaign_stats)(owner, filters["campaign"])
        if new:
            return jobs.list_jobs(owner, **filters, offset=0, limit=limit)
        return old_list(owner, **filters, limit=limit)

    return call


def timed_service(app, user_id: str, call) -> tuple[float, object]:
    from storyboard.models import User, db
    from storyboard.services.core.transactions import read_only

    with app.app_context(), read_only():
        owner = db.session.get(User, user_id)
        db.session.expunge(owner)
        db.session.rollback()  # the user is loaded; time only the call, in a fresh read transaction
        started = time.perf_counter()
        result = call(owner)
        elapsed = time.perf_counter() - started
        if isinstance(result, tuple):
            result = ([row.id for row in result[0]], result[1])
        db.session.rollback()
    return elapsed, result


def timed_http(client, key: str, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path, headers={"X-API-Key": key})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return elapsed


def measure(built: dict, calls: int, limit: int) -> list[dict]:
    """Medians per case and size; checks on the way that before and after answer the same."""
    results = []
    names = [name for name, _f, _p in cases(built[SIZES[0]][1], limit)]
    for position, name in enumerate(names):
        samples = {(size, kind): [] for size in SIZES for kind in ("before", "after", "http")}
        for _ in range(calls):
            for size in SIZES:
                app, world, key = built[size]
                _name, filters, path = cases(world, limit)[position]
                before, old = timed_service(app, world["user"], service_call(filters, limit, new=False))
                after, new = timed_service(app, world["user"], service_call(filters, limit, new=True))
                assert old == new, (name, size, old, new)
                samples[(size, "before")].append(before)
                samples[(size, "after")].append(after)
                samples[(size, "http")].append(timed_http(app.test_client(), key, path))
        results.append({"case": name, **{k: statistics.median(v) * 1000 for k, v in samples.items()}})
    return results


def print_table(backend: str, results: list[dict]) -> None:
    small, large = SIZES
    print(f"\n{backend}: p50 in ms (service = service functions in an app context; http = Flask test client)")
    sizes = f"{small // 1000}k | {large // 1000}k | ratio"
    head = f"| case | before {sizes} | after {sizes} | http {sizes} |"
    print(head + "\n|" + "---|" * 10)
    for row in results:
        cells = [row["case"]]
        for kind in ("before", "after", "http"):
            a, b = row[(small, kind)], row[(large, kind)]
            cells += [f"{a:.2f}", f"{b:.2f}", f"{b / a:.2f}x"]
        print("| " + " | ".join(cells) + " |")


def write_costs(app, world: dict) -> None:
    """What the triggers cost writers: on and off alternate (SQLite drops and recreates them, Postgres disables)."""
    from sqlalchemy import delete, insert, select, text, update

    from storyboard.models import Client, Job, db

    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        triggers = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'jobs'"
        created = [] if postgres else db.session.execute(text(triggers)).scalars().all()
        job_id = db.session.scalar(select(Job.id).where(Job.client_id == world["client"]).limit(1))
        template = db.session.get(Job, job_id)
        row = {c.key: getattr(template, c.key) for c in Job.__table__.columns}
        db.session.commit()

    state = {"on": True}

    def switch(on: bool) -> None:
        if on == state["on"]:
            return
        state["on"] = on
        if postgres:
            db.session.execute(text(f"ALTER TABLE jobs {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
        for sql in created:
            name = sql.split()[2]
            db.session.execute(text(sql if on else f"DROP TRIGGER {name}"))
        db.session.commit()

    def timed(change) -> float:
        started = time.perf_counter()
        change()
        db.session.commit()
        return time.perf_counter() - started

    samples = {(kind, on): [] for kind in ("insert", "status", "delete") for on in (True, False)}
    with app.app_context():
        for _ in range(20):
            for on in (True, False):
                switch(on)
                for index in range(10):
                    status = "failed" if index % 2 else "cancelled"
                    samples[("status", on)].append(
                        timed(lambda s=status: db.session.execute(update(Job).where(Job.id == job_id).values(status=s)))
                    )
                    new = {**row, "id": str(uuid.uuid4())}
                    samples[("insert", on)].append(timed(lambda n=new: db.session.execute(insert(Job), n)))
        for index, client in enumerate(world["clients"][1:7]):
            on = index % 2 == 0
            switch(on)
            samples[("delete", on)].append(
                timed(lambda c=client: db.session.execute(delete(Client).where(Client.id == c)))
            )
        switch(True)
    per_client = SIZES[-1] // CLIENTS
    print(f"\nwriters at {SIZES[-1] // 1000}k jobs (p50, each its own commit) | triggers on | triggers off")
    print("|---|---|---|")
    for kind, label in (
        ("insert", "insert one job"),
        ("status", "change one job's status"),
        ("delete", f"delete a client (cascade to its ~{per_client} jobs; median of 3)"),
    ):
        on, off = (statistics.median(samples[(kind, flag)]) * 1000 for flag in (True, False))
        print(f"| {label} | {on:.2f} ms | {off:.2f} ms |")


def run_backend(backend: str, calls: int, limit: int, folder: str) -> None:
    import psycopg

    from config import database_url

    print(f"\n== {backend}", flush=True)
    made, built = [], {}
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        for size in SIZES:
            if backend == "postgres":
                name = f"sb_bench_tally_{size}_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                made.append(name)
                url = database_url(PG_URL.rsplit("/", 1)[0] + "/" + name)
            else:
                url = f"sqlite:///{folder}/tallies_{size}.db"
            built[size] = build(url, size, folder)
        print_table(backend, measure(built, calls, limit))
        app, world, _key = built[SIZES[-1]]
        write_costs(app, world)
    finally:
        from storyboard.models import db

        for app, _world, _key in built.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for name in made:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--limit", type=int, default=10, help="page size (10: every page is full at 1k too)")
    parser.add_argument("--sizes", default="1000,100000", help="the two job counts to compare")
    args = parser.parse_args()
    global SIZES
    SIZES = tuple(int(size) for size in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-tallies-") as folder:
        for backend in args.backends.split(","):
            run_backend(backend.strip(), args.calls, args.limit, folder)


if __name__ == "__main__":
    main()
