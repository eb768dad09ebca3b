"""The application: transactions, tenant walls and rules, grouped by domain (docs/ARCHITECTURE.md).

From the bottom up (the import-linter contract in pyproject.toml pins this order):
`core` (scoping, idempotency, waiting, costs, blobs, health), `accounts`, `catalog` (clients, campaigns,
stats), `webhooks`, `assets`, `jobs`, `storyboards`, `rendering`, and on top `actions` (POST /jobs/{id}/actions)
and `maintenance` (the sweeper). A package's `__init__` names what the layer above may call.
"""
