"""The contract's JSON shapes that more than the API needs: a job as GET /jobs/{id} shows it, for webhooks.

A layer below services (it imports models and marshmallow only), so services may show a job exactly as the
API does without importing the HTTP layer. The API's schemas build on these.
"""
