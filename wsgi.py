"""WSGI entry point for gunicorn and `flask --app wsgi`."""

from sharing import create_app

app = create_app()
