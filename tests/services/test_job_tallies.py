"""Job tallies: the triggers keep them equal to a GROUP BY over jobs, and list totals and stats read them."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import case, delete, func, insert, select, text, update

from storyboard.models import Job, JobTally, User, db
from storyboard.services import catalog
from tests.support import factories
from tests.support.envelope import assert_ok

# Costs whose float sums drift (0.1 + 0.2 != 0.3): the tallies must still add up exactly.
COSTS = (0.1, 0.2, 0.7, 1.15, 2.05, 0.3)


def tallies() -> dict:
    """The tally table as {(user, client, campaign, status): (jobs, cost in millionths)}."""
    rows = db.session.execute(
        select(
            JobTally.user_id,
            JobTally.client_id,
            JobTally.campaign_id,
            JobTally.status,
            JobTally.job_count,
            JobTally.cost_micros,
        )
    )
    return {tuple(row[:4]): (row[4], row[5]) for row in rows}


def aggregate() -> dict:
    """The same numbers counted afresh from every job, in Python."""
    jobs, micros = Counter(), Counter()
    rows = db.session.execute(select(Job.user_id, Job.client_id, Job.campaign_id, Job.status, Job.actual_cost))
    for user_id, client_id, campaign_id, status, cost in rows:
        key = (user_id, client_id, campaign_id or "", status)
        jobs[key] += 1
        micros[key] += round(cost * 1_000_000) if cost is not None else 0
    return {key: (jobs[key], micros[key]) for key in jobs}


def assert_exact() -> None:
    assert tallies() == aggregate()


@pytest.fixture
def world(ctx):
    """Two users; the first with two clients, three campaigns and jobs in most combinations."""
    owner, _ = factories.make_user()
    stranger, _ = factories.make_user()
    c1, c2, c3 = factories.make_client(owner), factories.make_client(owner), factories.make_client(stranger)
    a, b = factories.make_campaign(owner, c1), factories.make_campaign(owner, c1)
    c = factories.make_campaign(owner, c2)
    for status in ("pending", "pending", "completed", "completed", "storyboard_review"):
        factories.make_job(owner, c1, a, status=status, actual_cost=COSTS[0] if status == "completed" else None)
    factories.make_job(owner, c1, None, status="storyboard_review")
    factories.make_job(owner, c1, None, status="completed", actual_cost=COSTS[1])
    factories.make_job(owner, c1, b, status="rendering")
    for cost in COSTS:
        factories.make_job(owner, c2, c, status="completed", actual_cost=cost)
    factories.make_job(stranger, c3, None, status="pending")
    return {"owner": owner, "stranger": stranger, "c1": c1, "c2": c2, "c3": c3, "a": a, "b": b, "c": c}


def _core_job(owner, client, campaign, status: str, cost: float | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "user_id": owner.id,
        "client_id": client.id,
        "campaign_id": campaign.id if campaign else None,
        "status": status,
        "request": {},
        "generate_audio": False,
        "estimated_cost": 1.0,
        "actual_cost": cost,
        "generation": 0,
        "version": 1,
    }


def test_inserts_through_the_orm_and_core_are_tallied(world):
    assert_exact()
    w = world
    rows = [_core_job(w["owner"], w["c1"], w["b"], "completed", cost) for cost in COSTS]
    db.session.execute(insert(Job), rows + [_core_job(w["owner"], w["c2"], None, "failed")])
    db.session.commit()
    assert_exact()
    key = (w["owner"].id, w["c1"].id, w["b"].id, "completed")
    assert tallies()[key] == (len(COSTS), sum(round(cost * 1_000_000) for cost in COSTS))


def test_status_changes_one_by_one_and_in_bulk_are_tallied(world):
    w = world
    job = db.session.scalars(select(Job).where(Job.client_id == w["c1"].id, Job.status == "pending")).first()
    job.status = "storyboard_processing"
    db.session.commit()
    assert_exact()
    db.session.execute(update(Job).where(Job.client_id == w["c1"].id, Job.status == "pending").values(status="failed"))
    db.session.commit()
    assert_exact()
    db.session.execute(update(Job).where(Job.campaign_id == w["c"].id).values(status="cancelled"))
    db.session.commit()
    assert_exact()
    # Every job of campaign c left "completed": its row went with its last job.
    assert (w["owner"].id, w["c2"].id, w["c"].id, "completed") not in tallies()


def test_cost_changes_are_tallied_without_drift(world):
    w = world
    job = db.session.scalars(select(Job).where(Job.status == "completed", Job.campaign_id == w["a"].id)).first()
    job.actual_cost = 2.05
    db.session.commit()
    assert_exact()
    for _ in range(3):
        db.session.execute(update(Job).where(Job.status == "completed").values(actual_cost=Job.actual_cost + 0.1))
        db.session.execute(update(Job).where(Job.status == "completed").values(actual_cost=Job.actual_cost - 0.1))
        db.session.commit()
        assert_exact()
    db.session.execute(update(Job).where(Job.campaign_id == w["c"].id).values(actual_cost=None))
    db.session.commit()
    assert_exact()
    assert tallies()[(w["owner"].id, w["c2"].id, w["c"].id, "completed")] == (len(COSTS), 0)


def test_moves_between_campaigns_and_clients_are_tallied(world):
    w = world
    job = db.session.scalars(select(Job).where(Job.campaign_id == w["b"].id)).one()
    job.campaign_id = w["a"].id
    db.session.commit()
    assert_exact()
    job.campaign_id = None
    db.session.commit()
    assert_exact()
    # Key and status at once, in one bulk statement.
    moved = update(Job).where(Job.campaign_id.is_(None), Job.client_id == w["c1"].id)
    db.session.execute(moved.values(campaign_id=w["c"].id, client_id=w["c2"].id, status="failed"))
    db.session.commit()
    assert_exact()
    assert not [key for key in tallies() if key[1] == w["c1"].id and key[2] == ""]


def test_deleting_single_jobs_is_tallied(world):
    w = world
    db.session.delete(db.session.scalars(select(Job).where(Job.campaign_id == w["b"].id)).one())
    db.session.commit()
    assert_exact()
    assert not [key for key in tallies() if key[2] == w["b"].id]
    db.session.execute(delete(Job).where(Job.status == "completed", Job.campaign_id == w["c"].id, Job.actual_cost > 1))
    db.session.commit()
    assert_exact()


def test_deleting_a_campaign_a_client_or_a_user_cascades_into_the_tallies(world):
    w = world
    catalog.delete_campaign(w["owner"], w["a"].id)
    assert_exact()
    assert not [key for key in tallies() if key[2] == w["a"].id]
    catalog.delete_client(w["owner"], w["c2"].id)
    assert_exact()
    assert not [key for key in tallies() if key[1] == w["c2"].id]
    db.session.execute(delete(User).where(User.id == w["stranger"].id))
    db.session.commit()
    assert_exact()
    assert {key[0] for key in tallies()} == {w["owner"].id}


def test_a_rolled_back_transaction_leaves_the_tallies_as_they_were(world):
    w = world
    before = tallies()
    db.session.add(Job(**_core_job(w["owner"], w["c1"], w["a"], "pending")))
    db.session.execute(update(Job).where(Job.campaign_id == w["c"].id).values(status="failed"))
    db.session.execute(delete(Job).where(Job.client_id == w["c3"].id))
    db.session.flush()
    assert_exact()  # exact inside the transaction too: the triggers ran with the change
    assert tallies() != before
    db.session.rollback()
    assert tallies() == before
    assert_exact()


def _direct_total(owner_id: str, **filters) -> int:
    query = select(func.count()).select_from(Job).where(Job.user_id == owner_id)
    for column, value in filters.items():
        values = value if isinstance(value, tuple) else (value,)
        query = query.where(getattr(Job, column).in_(values))
    return db.session.scalar(query)


def _old_stats(condition) -> dict:
    """The numbers as the stats service computed them before the tallies: an aggregate over jobs."""
    completed = Job.status == "completed"
    jobs, videos, spend = db.session.execute(
        select(
            func.count(Job.id),
            func.count(case((completed, 1))),
            func.coalesce(func.sum(case((completed, Job.actual_cost), else_=0.0)), 0.0),
        ).where(condition)
    ).one()
    return {"jobCount": jobs, "videoCount": videos, "totalSpend": round(float(spend), 4)}


def test_list_totals_and_stats_equal_a_direct_count(app, api):
    with app.app_context():
        owner = db.session.get(User, api.user.id)
        c1, c2 = factories.make_client(owner), factories.make_client(owner)
        a, b = factories.make_campaign(owner, c1), factories.make_campaign(owner, c2)
        for index, status in enumerate(("pending", "rendering", "in_progress", "completed", "completed", "failed")):
            for client, campaign in ((c1, a), (c1, None), (c2, b)):
                factories.make_job(owner, client, campaign, status=status, actual_cost=COSTS[index % len(COSTS)])
        other, _ = factories.make_user()
        factories.make_job(other, factories.make_client(other), None, status="completed", actual_cost=9.99)
        ids = {"c1": c1.id, "c2": c2.id, "a": a.id, "b": b.id, "owner": owner.id}
    cases = [
        ({}, {}),
        ({"client_id": ids["c1"]}, {"client_id": ids["c1"]}),
        ({"client_id": ids["c1"], "status": "completed"}, {"client_id": ids["c1"], "status": "completed"}),
        ({"campaign_id": ids["a"]}, {"campaign_id": ids["a"]}),
        (
            {"campaign_id": ids["b"], "status": "video_processing"},
            {"campaign_id": ids["b"], "status": ("in_progress", "rendering")},
        ),
        ({"status": "failed"}, {"status": "failed"}),
        ({"client_id": ids["c1"], "campaign_id": ids["b"]}, {"client_id": ids["c1"], "campaign_id": ids["b"]}),
    ]
    unknown = str(uuid.uuid4())
    cases.append(({"client_id": unknown}, {"client_id": unknown}))
    for params, filters in cases:
        query = "&".join(f"{key}={value}" for key, value in {**params, "limit": 2}.items())
        body = api.get(f"/api/v3/jobs?{query}").get_json()
        with app.app_context():
            assert body["meta"]["total"] == _direct_total(ids["owner"], **filters), params
    with app.app_context():
        expected = {client: _old_stats(Job.client_id == ids[client]) for client in ("c1", "c2")}
        expected.update({campaign: _old_stats(Job.campaign_id == ids[campaign]) for campaign in ("a", "b")})
    for client in ("c1", "c2"):
        stats = assert_ok(api.get(f"/api/v3/clients/{ids[client]}/stats"))
        assert {key: stats[key] for key in ("jobCount", "videoCount", "totalSpend")} == expected[client]
    for campaign in ("a", "b"):
        stats = assert_ok(api.get(f"/api/v3/campaigns/{ids[campaign]}/stats"))
        assert {key: stats[key] for key in ("jobCount", "videoCount", "totalSpend")} == expected[campaign]
        videos, spend = expected[campaign]["videoCount"], expected[campaign]["totalSpend"]
        assert stats["avgCost"] == round(spend / videos, 4)


def _rows_of_0004() -> None:
    """Users, clients, a campaign and jobs as revision 0004 stores them."""
    now = "2026-01-01 00:00:00"
    for user in ("u1", "u2"):
        db.session.execute(
            text("INSERT INTO users (id, username, is_active, created_at) VALUES (:id, :id, true, :now)"),
            {"id": user, "now": now},
        )
        db.session.execute(
            text("INSERT INTO clients (id, user_id, name, created_at, updated_at) VALUES (:id, :u, 'x', :now, :now)"),
            {"id": f"client-{user}", "u": user, "now": now},
        )
    db.session.execute(
        text(
            "INSERT INTO campaigns (id, user_id, client_id, name, goal, status, created_at, updated_at)"
            " VALUES ('camp', 'u1', 'client-u1', 'x', 'y', 'draft', :now, :now)"
        ),
        {"now": now},
    )
    jobs = [("u1", "camp", "completed", cost) for cost in COSTS]
    jobs += [("u1", None, "completed", 0.1), ("u1", None, "pending", None), ("u2", None, "failed", 1.0)]
    for user, campaign, status, cost in jobs:
        db.session.execute(
            text(
                "INSERT INTO jobs (id, user_id, client_id, campaign_id, status, request, generate_audio,"
                " estimated_cost, actual_cost, generation, version, created_at, updated_at)"
                " VALUES (:id, :u, :c, :camp, :s, '{}', false, 1.0, :cost, 0, 1, :now, :now)"
            ),
            {"id": str(uuid.uuid4()), "u": user, "c": f"client-{user}", "camp": campaign, "s": status, "cost": cost}
            | {"now": now},
        )
    db.session.commit()


def test_the_migration_backfills_existing_jobs_and_its_downgrade_drops_table_and_triggers(fresh_app):
    from flask_migrate import downgrade, upgrade

    with fresh_app.app_context():
        upgrade(revision="0004")
        _rows_of_0004()
        upgrade()
        assert_exact()
        assert len(tallies()) == 4
        db.session.commit()  # the migration needs the write lock this session's reads took on SQLite
        downgrade(revision="0004")
        assert "job_tallies" not in db.inspect(db.engine).get_table_names()
        # No trigger is left behind to write into the dropped table.
        db.session.execute(update(Job).values(status="failed"))
        db.session.execute(delete(Job).where(Job.user_id == "u2"))
        db.session.commit()
        upgrade()
        assert_exact()
        assert len(tallies()) == 2  # all failed now, with and without the campaign


def test_concurrent_changes_to_the_same_tally_rows_stay_exact_without_deadlocks(app, world):
    """Postgres: writers in parallel insert, delete and move jobs in opposite directions between two rows."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    w, errors = world, []
    # Even writers move their job pending -> review -> pending, odd ones review -> pending -> review.
    starts = ["pending" if index % 2 == 0 else "storyboard_review" for index in range(8)]
    job_ids = [factories.make_job(w["owner"], w["c1"], w["a"], status=status).id for status in starts]

    def writer(index: int) -> None:
        source = starts[index]
        target = "storyboard_review" if source == "pending" else "pending"
        try:
            with app.app_context():
                for _ in range(25):
                    for status in (target, source):
                        with db.engine.begin() as conn:
                            conn.execute(update(Job).where(Job.id == job_ids[index]).values(status=status))
                    row = _core_job(w["owner"], w["c1"], w["a"], target)
                    with db.engine.begin() as conn:
                        conn.execute(insert(Job), row)
                    with db.engine.begin() as conn:
                        conn.execute(delete(Job).where(Job.id == row["id"]))
        except Exception as exc:  # noqa: BLE001 - any failure of a writer fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.commit()
    assert_exact()


def test_truncating_jobs_empties_the_tallies(world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    assert tallies()
    db.session.execute(text("TRUNCATE jobs CASCADE"))
    db.session.commit()
    assert tallies() == {} == aggregate()
