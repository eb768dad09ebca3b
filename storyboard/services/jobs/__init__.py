"""Jobs: creating one from a brief, reading and listing, the state machine's rules, and the job's history.

The layer above may call the functions re-exported here.
"""

from storyboard.services.jobs.create import create_job
from storyboard.services.jobs.queries import dry_run, get_job, list_events, list_jobs

__all__ = ["create_job", "dry_run", "get_job", "list_events", "list_jobs"]
