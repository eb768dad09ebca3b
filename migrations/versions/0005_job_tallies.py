"""Job tallies kept by triggers: exact list totals and stats without scanning jobs (issue 9)

One row per (user, client, campaign or '', status) with its job count and the sum of its jobs' actual_cost in
millionths. Triggers on `jobs` keep it in the transaction of the change, for bulk statements and foreign-key
cascades too: on Postgres a statement trigger per INSERT and DELETE (one change per tally row, in key order)
and a row trigger per UPDATE of a counted column; on SQLite, which has only row triggers, row triggers. A row
that falls to zero is deleted. The triggers are created before the backfill: on Postgres CREATE TRIGGER locks
`jobs` against writers until this migration commits, on SQLite the migration holds the write lock, so no
change slips between.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = "user_id, client_id, campaign_id, status"
TRIGGERS = ("job_tallies_insert", "job_tallies_delete", "job_tallies_update", "job_tallies_truncate")
# The update trigger fires only when a counted column really changed (not for progress or scene edits).
CHANGED = " OR ".join(
    f"OLD.{column} IS DISTINCT FROM NEW.{column}"
    for column in ("user_id", "client_id", "campaign_id", "status", "actual_cost")
)


def micros(dialect: str, row: str) -> str:
    """The job's actual_cost in millionths as an integer (0 when NULL): sums of integers never drift."""
    if dialect == "postgresql":
        return f"coalesce(round({row}actual_cost * 1000000)::bigint, 0)"
    return f"coalesce(CAST(round({row}actual_cost * 1000000) AS INTEGER), 0)"


BACKFILL = """
INSERT INTO job_tallies ({key}, job_count, cost_micros)
SELECT user_id, client_id, coalesce(campaign_id, ''), status, count(*), coalesce(sum({micros}), 0)
FROM jobs
GROUP BY user_id, client_id, coalesce(campaign_id, ''), status
"""

# Postgres: one function adds (or, with a negative count, takes away) jobs from one tally row.
PG_ADD = f"""
CREATE FUNCTION job_tally_add(p_user text, p_client text, p_campaign text, p_status text, p_jobs integer,
                              p_micros bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    remaining integer;
BEGIN
    IF p_jobs > 0 THEN
        INSERT INTO job_tallies ({KEY}, job_count, cost_micros)
        VALUES (p_user, p_client, p_campaign, p_status, p_jobs, p_micros)
        ON CONFLICT ({KEY}) DO UPDATE
        SET job_count = job_tallies.job_count + EXCLUDED.job_count,
            cost_micros = job_tallies.cost_micros + EXCLUDED.cost_micros;
        RETURN;
    END IF;
    -- The UPDATE keeps the row locked to the end of the transaction, so nobody adds to it before the DELETE.
    UPDATE job_tallies SET job_count = job_count + p_jobs, cost_micros = cost_micros + p_micros
    WHERE user_id = p_user AND client_id = p_client AND campaign_id = p_campaign AND status = p_status
    RETURNING job_count INTO remaining;
    IF remaining = 0 THEN
        DELETE FROM job_tallies
        WHERE user_id = p_user AND client_id = p_client AND campaign_id = p_campaign AND status = p_status;
    END IF;
END $$
"""


def pg_statement_function(name: str, table: str, sign: str) -> str:
    """A statement trigger's function: the statement's inserted or deleted jobs, one change per tally row."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    -- Rows in key order, so two statements never lock the same tally rows in opposite orders; one change per
    -- row, so a bulk insert or a cascade does not pile up versions of a row in its transaction.
    FOR r IN
        SELECT user_id, client_id, coalesce(campaign_id, '') AS campaign_id, status, count(*) AS jobs,
               sum({micros("postgresql", "")}) AS micros
        FROM {table} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    LOOP
        PERFORM job_tally_add(r.user_id, r.client_id, r.campaign_id, r.status, {sign}r.jobs::integer,
                              {sign}r.micros::bigint);
    END LOOP;
    RETURN NULL;
END $$
"""


# Updates stay row triggers: a statement trigger with transition tables cannot name columns, so it would copy
# every row of every UPDATE of jobs (progress, scenes) only to find nothing counted changed.
PG_FOLLOW = f"""
CREATE FUNCTION job_tallies_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_micros bigint := {micros("postgresql", "OLD.")};
    new_micros bigint := {micros("postgresql", "NEW.")};
BEGIN
    IF (OLD.user_id, OLD.client_id, coalesce(OLD.campaign_id, ''), OLD.status)
       = (NEW.user_id, NEW.client_id, coalesce(NEW.campaign_id, ''), NEW.status) THEN
        PERFORM job_tally_add(NEW.user_id, NEW.client_id, coalesce(NEW.campaign_id, ''), NEW.status, 0,
                              new_micros - old_micros);
    -- Two rows change: lock them in key order, as the statement triggers do, so that two jobs moving in
    -- opposite directions (review -> processing and processing -> review) cannot deadlock.
    ELSIF (OLD.user_id, OLD.client_id, coalesce(OLD.campaign_id, ''), OLD.status)
          < (NEW.user_id, NEW.client_id, coalesce(NEW.campaign_id, ''), NEW.status) THEN
        PERFORM job_tally_add(OLD.user_id, OLD.client_id, coalesce(OLD.campaign_id, ''), OLD.status, -1,
                              -old_micros);
        PERFORM job_tally_add(NEW.user_id, NEW.client_id, coalesce(NEW.campaign_id, ''), NEW.status, 1,
                              new_micros);
    ELSE
        PERFORM job_tally_add(NEW.user_id, NEW.client_id, coalesce(NEW.campaign_id, ''), NEW.status, 1,
                              new_micros);
        PERFORM job_tally_add(OLD.user_id, OLD.client_id, coalesce(OLD.campaign_id, ''), OLD.status, -1,
                              -old_micros);
    END IF;
    RETURN NULL;
END $$
"""

PG_EMPTY = """
CREATE FUNCTION job_tallies_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_tallies;
    RETURN NULL;
END $$
"""

PG_FUNCTIONS = (
    PG_ADD,
    pg_statement_function("job_tallies_added", "added", ""),
    pg_statement_function("job_tallies_removed", "removed", "-"),
    PG_FOLLOW,
    PG_EMPTY,
)
PG_TRIGGERS = (
    "CREATE TRIGGER job_tallies_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION job_tallies_added()",
    "CREATE TRIGGER job_tallies_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS removed"
    " FOR EACH STATEMENT EXECUTE FUNCTION job_tallies_removed()",
    "CREATE TRIGGER job_tallies_update AFTER UPDATE OF user_id, client_id, campaign_id, status, actual_cost"
    f" ON jobs FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION job_tallies_follow()",
    "CREATE TRIGGER job_tallies_truncate AFTER TRUNCATE ON jobs"
    " FOR EACH STATEMENT EXECUTE FUNCTION job_tallies_empty()",
)


def sqlite_add(row: str) -> str:
    return f"""
    INSERT INTO job_tallies ({KEY}, job_count, cost_micros)
    VALUES ({row}.user_id, {row}.client_id, coalesce({row}.campaign_id, ''), {row}.status, 1,
            {micros("sqlite", row + ".")})
    ON CONFLICT ({KEY}) DO UPDATE
    SET job_count = job_count + 1, cost_micros = cost_micros + excluded.cost_micros;"""


def sqlite_take(row: str) -> str:
    where = (
        f"user_id = {row}.user_id AND client_id = {row}.client_id"
        f" AND campaign_id = coalesce({row}.campaign_id, '') AND status = {row}.status"
    )
    return f"""
    UPDATE job_tallies SET job_count = job_count - 1, cost_micros = cost_micros - {micros("sqlite", row + ".")}
    WHERE {where};
    DELETE FROM job_tallies WHERE {where} AND job_count = 0;"""


# SQLite has one writer at a time: the order of the two rows of an update cannot deadlock anything.
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER job_tallies_insert AFTER INSERT ON jobs BEGIN {sqlite_add('NEW')}\nEND",
    f"CREATE TRIGGER job_tallies_delete AFTER DELETE ON jobs BEGIN {sqlite_take('OLD')}\nEND",
    "CREATE TRIGGER job_tallies_update AFTER UPDATE OF user_id, client_id, campaign_id, status, actual_cost"
    f" ON jobs WHEN {CHANGED.replace('IS DISTINCT FROM', 'IS NOT')}"
    f" BEGIN {sqlite_take('OLD')}{sqlite_add('NEW')}\nEND",
)


def upgrade():
    op.create_table(
        "job_tallies",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("job_count", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "client_id", "campaign_id", "status", name=op.f("pk_job_tallies")),
    )
    op.create_index(op.f("ix_job_tallies_client_id"), "job_tallies", ["client_id"])
    op.create_index(op.f("ix_job_tallies_campaign_id"), "job_tallies", ["campaign_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.execute(BACKFILL.format(key=KEY, micros=micros(dialect, "")))


def downgrade():
    dialect = op.get_bind().dialect.name
    for name in TRIGGERS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON jobs")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        for name in ("job_tallies_added", "job_tallies_removed", "job_tallies_follow"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.execute("DROP FUNCTION IF EXISTS job_tallies_empty()")
        op.execute("DROP FUNCTION IF EXISTS job_tally_add(text, text, text, text, integer, bigint)")
    op.drop_index(op.f("ix_job_tallies_campaign_id"), table_name="job_tallies")
    op.drop_index(op.f("ix_job_tallies_client_id"), table_name="job_tallies")
    op.drop_table("job_tallies")
