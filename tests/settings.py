"""Test settings: the real settings, with data kept in a temporary folder."""

import os
import tempfile

os.environ.setdefault("PLANWATCH_DATA_DIR", tempfile.mkdtemp(prefix="planwatch-test-"))

from planwatch.web.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast sign-ins in tests

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than memory: the threads of transactional tests each open their own
    # connection and queue for the write lock as in production (WAL and a busy timeout); an
    # in-memory shared cache fails them at once with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
