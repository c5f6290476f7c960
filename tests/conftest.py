import pytest

from tests.factories.core import AgentFactory, BrokerageFactory, make_broker


@pytest.fixture(autouse=True)
def _fresh_routing_snapshots():
    """Each test starts with no routing snapshot (they are per process and outlive a test)."""
    from leads.routing_snapshot import invalidate

    invalidate()


@pytest.fixture
def brokerage(db):
    return BrokerageFactory()


@pytest.fixture
def agent(brokerage):
    return AgentFactory(brokerage=brokerage)


@pytest.fixture
def broker(brokerage):
    return make_broker(brokerage)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker (``celery -A realtor worker``) on Redis against the test database.

    Skips unless ``CELERY_BROKER_URL`` is set and the database is PostgreSQL (the worker
    is another process and must see committed rows). Uses a queue of its own, so stale
    messages from other runs are never consumed. Yields the Celery app.
    """
    import os
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs CELERY_BROKER_URL (Redis) for a real worker")
    if connection.vendor != "postgresql":
        pytest.skip("a real worker needs a shared database server (DATABASE_URL=postgres://…)")
    from realtor.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    name = f"{queue}@localhost"
    db = settings.DATABASES["default"]
    db_url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "realtor.settings.test",
        "DATABASE_URL": db_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log = open(f"/tmp/{queue}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "realtor", "worker", "-l", "info", "-P", "solo",
         "-Q", queue, "-n", name, "--without-mingle", "--without-gossip"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the Celery worker exited: see /tmp/{queue}.log")
            replies = app.control.ping(destination=[name], timeout=0.5) or []
            if any(name in reply for reply in replies):
                break
        else:
            pytest.fail(f"the Celery worker did not start in 60 s: see /tmp/{queue}.log")
        yield app
    finally:
        app.conf.task_default_queue = previous_queue
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll ``predicate()`` until it returns a truthy value or ``timeout`` seconds pass; return the value."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
