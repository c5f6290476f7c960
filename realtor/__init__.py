"""Realtor: an open-source platform that runs a residential real-estate brokerage."""

from .celery import app as celery_app

__all__ = ("celery_app",)
