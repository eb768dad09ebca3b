"""Job tallies: how many jobs, and what they cost, per combination of the job list's filters (issue 9).

Database triggers on `jobs` (migration 0005) keep every row, in the transaction of the change, for inserts,
updates, bulk statements and cascades alike; nothing in Python writes here. A row exists exactly while it
counts at least one job, so the table always equals a GROUP BY over `jobs`. A new filter dimension of the
job list needs a column here (and in the key and the triggers) before its totals can come from this table.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

# `campaign_id` of the jobs without a campaign: a key column cannot be NULL (an upsert never matches NULL).
NO_CAMPAIGN = ""
# `cost_micros` is the sum of actual_cost in millionths: integers add and subtract without drift.
MICROS = 1_000_000


class JobTally(db.Model):
    __tablename__ = "job_tallies"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    job_count: Mapped[int] = mapped_column(Integer)
    cost_micros: Mapped[int] = mapped_column(BigInteger)
