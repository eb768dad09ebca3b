"""/api/auth: login, logout and API keys."""
