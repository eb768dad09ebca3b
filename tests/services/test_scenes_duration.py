"""jobs.scenes_duration: migration 0007 fills it from the scenes already stored, every scene change keeps it, and
the job's duration warning reads it."""

from __future__ import annotations

from sqlalchemy import text

from storyboard.models import Job, db
from storyboard.wire.jobs import dump_job

NOW = "2026-01-01 00:00:00"
BRIEF = '{"creative": {"video_specs": {"duration": 30.0}}}'


def _rows_of_0006() -> None:
    """A user and client, and three jobs as revision 0006 stores them: drifted, exact, without scenes."""
    db.session.execute(
        text("INSERT INTO users (id, username, is_active, created_at) VALUES ('u1', 'u1', true, :now)"), {"now": NOW}
    )
    db.session.execute(
        text("INSERT INTO clients (id, user_id, name, created_at, updated_at) VALUES ('c1', 'u1', 'x', :now, :now)"),
        {"now": NOW},
    )
    for job_id, durations in (("drifted", (7.5, 7.5, 7.5, 5.0)), ("exact", (10.1, 9.9, 10.0)), ("empty", ())):
        db.session.execute(
            text(
                "INSERT INTO jobs (id, user_id, client_id, status, request, generate_audio, estimated_cost,"
                " generation, version, created_at, updated_at)"
                " VALUES (:id, 'u1', 'c1', 'storyboard_review', :brief, false, 1.0, 0, 1, :now, :now)"
            ),
            {"id": job_id, "brief": BRIEF, "now": NOW},
        )
        for number, seconds in enumerate(durations, start=1):
            db.session.execute(
                text(
                    "INSERT INTO job_scenes (id, job_id, scene_number, duration, description, assets, metadata,"
                    " version, created_at, updated_at)"
                    " VALUES (:id, :job, :n, :d, 'x', '[]', '{}', 1, :now, :now)"
                ),
                {"id": f"{job_id}-{number}", "job": job_id, "n": number, "d": seconds, "now": NOW},
            )
    db.session.commit()


def test_the_migration_fills_the_total_of_existing_jobs_and_its_downgrade_drops_it(fresh_app):
    from flask_migrate import downgrade, upgrade

    with fresh_app.app_context():
        upgrade(revision="0006")
        _rows_of_0006()
        upgrade()
        totals = {job.id: job.scenes_duration for job in db.session.scalars(db.select(Job))}
        assert totals == {"drifted": 27.5, "exact": 30.0, "empty": None}
        warnings = {job.id: dump_job(job)["warnings"] for job in db.session.scalars(db.select(Job))}
        assert warnings["exact"] == warnings["empty"] == []
        assert warnings["drifted"] == [
            {
                "code": "duration_mismatch",
                "message": "Scenes add up to 27.5 s; the brief asks for 30 s",
                "expected": 30,
                "actual": 27.5,
            }
        ]
        db.session.commit()  # the downgrade needs the write lock this session's reads took on SQLite
        downgrade(revision="0006")
        assert "scenes_duration" not in {c["name"] for c in db.inspect(db.engine).get_columns("jobs")}
        upgrade()
        assert db.session.get(Job, "drifted").scenes_duration == 27.5
