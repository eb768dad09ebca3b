"""Jobs: creating one from a brief, reading and listing, the state machine's rules, the job's history, and
retrying a failed one.

The layer above may call the functions re-exported here.
"""

from storyboard.services.jobs.create import create_job
from storyboard.services.jobs.queries import dry_run, get_job, list_events, list_jobs
from storyboard.services.jobs.retry import retry_job
from storyboard.services.jobs.states import ALIASES as ACTION_ALIASES

__all__ = ["ACTION_ALIASES", "create_job", "dry_run", "get_job", "list_events", "list_jobs", "retry_job"]
