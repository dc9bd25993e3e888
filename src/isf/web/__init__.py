"""The ``isf serve`` web app (FastAPI + Jinja2, plain HTML with a little vanilla JS)."""

from isf.web.app import create_app

__all__ = ["create_app"]
