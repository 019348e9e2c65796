"""Test settings: the real settings, with data kept in a temporary folder."""

import os
import tempfile

os.environ.setdefault("PLANWATCH_DATA_DIR", tempfile.mkdtemp(prefix="planwatch-test-"))

from planwatch.web.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast sign-ins in tests
