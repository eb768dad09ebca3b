"""Read routes under wrk: the current tree against its anchors (and against a baseline revision's tree).

Per database (SQLite, Postgres) it starts gunicorn (2 gthread workers x 8 threads, background work in process)
for the current tree and, with a baseline, for the baseline tree, each on its own fresh database seeded the
same way through the API: 50 clients with brand guidelines and metadata, two campaigns, and 50 jobs of the
first client created with POST /api/v3/jobs (the offline writer: 3-7 scenes each, as real jobs have).
Each round runs wrk (10 and 50 connections) on every route, the current tree and the baseline alternating
(their order swapped every round). Rows:

- jobs?limit=50 against clients?limit=50 on the same server, same round (target >= 0.8x);
- every route against the same route of the baseline (target >= 2x);
- SQLite at 10 connections: p99 against p50 of the same run (target <= 3x).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from harness import Row, Service, log, postgres_available, tool, wrk

CONNECTIONS = (10, 50)
ROUTES = (
    ("GET /jobs?limit=50", "/api/v3/jobs?limit=50"),
    ("GET /clients?limit=50", "/api/v3/clients?limit=50"),
    ("GET /clients/{id}/stats", "/api/v3/clients/{client}/stats"),
    ("GET /clients/{id}", "/api/v3/clients/{client}"),
)
JOBS, CLIENTS = 50, 50


def brief(client_id: str, campaign_id: str, i: int) -> dict:
    return {
        "context": {"clientId": client_id, "campaignId": campaign_id},
        "adBasics": {
            "product": f"Aurora Smart Bottle {i}",
            "targetAudience": "busy commuters who forget to drink",
            "keyMessage": "Stay hydrated without thinking about it",
            "callToAction": "Order today",
        },
        "creative": {
            "videoSpecs": {"duration": (15, 30, 45)[i % 3], "format": "16:9"},
            "direction": {"style": "modern", "tone": "upbeat", "visualElements": ["city", "sunrise"]},
        },
    }


def seed(service: Service) -> dict:
    """The same data on every server, through its API. Returns the ids the routes need."""
    clients = []
    for i in range(CLIENTS):
        status, body = service.call(
            "POST",
            "/api/v3/clients",
            {
                "name": f"Client {i:02d}",
                "description": "A regional chain of outdoor and travel shops " * 2,
                "homepage": f"https://client{i}.example.com",
                "brandGuidelines": {
                    "colors": ["#1B3A4B", "#F2B134", "#FFFFFF"],
                    "fonts": ["Inter", "Georgia"],
                    "tone": "warm, direct, a little playful",
                    "restrictions": ["no competitor logos", "no alcohol"],
                    "examples": ["https://client.example.com/ad1.mp4"],
                },
                "metadata": {"tier": "gold", "region": "EU", "index": i},
            },
        )
        if status != 201:
            raise RuntimeError(f"{service.label}: create client: {status} {body}")
        clients.append(body["data"]["id"])
    client = clients[0]
    campaigns = []
    for name in ("Spring launch", "Summer refresh"):
        status, body = service.call(
            "POST", "/api/v3/campaigns", {"clientId": client, "name": name, "goal": "Sell more bottles"}
        )
        if status != 201:
            raise RuntimeError(f"{service.label}: create campaign: {status} {body}")
        campaigns.append(body["data"]["id"])

    def create(i: int) -> int:
        status, body = service.call("POST", "/api/v3/jobs", brief(client, campaigns[i % 2], i))
        if status != 201 or not body["data"].get("scenes"):
            raise RuntimeError(f"{service.label}: create job: {status} {str(body)[:500]}")
        return len(body["data"]["scenes"])

    with ThreadPoolExecutor(4) as pool:
        scenes = list(pool.map(create, range(JOBS)))
    status, body = service.call("GET", "/api/v3/jobs?limit=50")
    if status != 200 or len(body["data"]) != JOBS:
        raise RuntimeError(f"{service.label}: GET /jobs: {status} {str(body)[:300]}")
    return {"client": client, "scenes": sum(scenes)}


def run(args, rows: list[Row], results: dict, baseline_root, baseline_rev: str) -> None:
    if not tool("wrk"):
        log(f"reads: SKIPPED, wrk not found. Install it with: {args.apt_line}")
        results["reads"] = {"skipped": "wrk not found"}
        return
    backends = ["sqlite"]
    if postgres_available():
        backends.append("postgres")
    else:
        log("reads: Postgres does not answer; only SQLite rows")
    out = results.setdefault("reads", {})
    for backend in backends:
        run_backend(args, backend, rows, out, baseline_root, baseline_rev)


def run_backend(args, backend: str, rows: list[Row], out: dict, baseline_root, baseline_rev: str) -> None:
    db = {"sqlite": "SQLite", "postgres": "Postgres"}[backend]
    trees = {"current": None, "baseline": baseline_root} if baseline_root else {"current": None}
    services: dict[str, Service] = {}
    try:
        for tree, root in trees.items():
            kwargs = {"root": root} if root else {}
            service = Service(f"reads-{backend}-{tree}", backend=backend, **kwargs).start()
            services[tree] = service
            log(f"reads {db} {tree}: seeding {CLIENTS} clients and {JOBS} jobs through the API")
            service.ids = seed(service)
        urls = {
            tree: {name: s.base + path.format(client=s.ids["client"]) for name, path in ROUTES}
            for tree, s in services.items()
        }
        out[backend] = {"scenes_total": {t: s.ids["scenes"] for t, s in services.items()}, "samples": []}
        for tree, service in services.items():  # warm up: imports, pools, first query plans
            for name, _ in ROUTES:
                try:
                    wrk(urls[tree][name], service.headers, 10, 1)
                except Exception:  # noqa: BLE001 - measured (and reported) below
                    pass

        jobs_row = {
            c: Row("reads", f"{db} GET /jobs?limit=50, c={c} (req/s)", "req/s", "GET /clients?limit=50, same server",
                   target=("ratio", ">=", 0.8))
            for c in CONNECTIONS
        }  # fmt: skip
        vs_base = {
            (name, c): Row("reads", f"{db} {name}, c={c} (req/s)", "req/s", f"the same on {baseline_rev}",
                           target=("ratio", ">=", 2.0))
            for name, _ in ROUTES
            for c in CONNECTIONS
        }  # fmt: skip
        tails = {
            name: Row("reads", f"{db} {name}, c=10: p99 latency", "ms", "p50 of the same run",
                      target=("ratio", "<=", 3.0))
            for name, _ in ROUTES
        }  # fmt: skip
        failures: dict = {}

        def measure(round_no: int, tree: str, name: str, c: int) -> dict | None:
            try:
                got = wrk(urls[tree][name], services[tree].headers, c, args.seconds)
            except Exception as error:  # noqa: BLE001 - the row says so; the other routes go on
                failures[tree, name] = str(error).strip().splitlines()[0][:100]
                log(f"reads {db} {tree} {name} c={c}: FAILED: {error}")
                return None
            out[backend]["samples"].append({"round": round_no, "c": c, "tree": tree, "route": name, **got})
            return got

        for round_no in range(args.rounds):
            order = list(services) if round_no % 2 == 0 else list(reversed(services))
            log(f"reads {db}: round {round_no + 1}/{args.rounds} (order {', '.join(order)})")
            for c in CONNECTIONS:
                got: dict = {(tree, name): measure(round_no, tree, name, c) for name, _ in ROUTES for tree in order}

                def value(tree, name, key, got=got):
                    return (got[tree, name] or {}).get(key)

                jobs_row[c].add(value("current", ROUTES[0][0], "rps"), value("current", ROUTES[1][0], "rps"))
                if "baseline" in services:
                    for name, _ in ROUTES:
                        vs_base[name, c].add(value("current", name, "rps"), value("baseline", name, "rps"))
                if backend == "sqlite" and c == 10:
                    for name, _ in ROUTES:
                        tails[name].add(value("current", name, "p99_ms"), value("current", name, "p50_ms"))
        for (tree, name), message in failures.items():
            related = [r for (n, _c), r in vs_base.items() if n == name]
            if tree == "current":
                related.append(tails[name])
                if name in (ROUTES[0][0], ROUTES[1][0]):
                    related += list(jobs_row.values())
            for row in related:
                row.error = row.error or f"{tree}: {message}"
        rows.extend(jobs_row.values())
        if "baseline" in services:
            rows.extend(vs_base.values())
        else:
            for name, _ in ROUTES:  # without a baseline the value is still worth a row
                for c in CONNECTIONS:
                    row = Row("reads", f"{db} {name}, c={c} (req/s)", "req/s", "(no baseline: --baseline REV)")
                    row.values = [s["rps"] for s in out[backend]["samples"]
                                  if s["tree"] == "current" and s["route"] == name and s["c"] == c]  # fmt: skip
                    row.anchors = [None] * len(row.values)
                    rows.append(row)
        if backend == "sqlite":
            rows.extend(tails.values())
    except Exception as error:  # noqa: BLE001 - one section's failure must not lose the others
        log(f"reads {db}: FAILED: {error}")
        for s in services.values():
            log(f"{s.label} log tail:\n{s.log_tail()}")
        rows.append(Row("reads", f"{db} read routes", "", "-", error=str(error).splitlines()[0][:120]))
    finally:
        for service in services.values():
            service.stop()
