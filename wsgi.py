"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from storyboard import create_app

app = create_app()
