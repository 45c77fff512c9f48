"""Settings for the test suite: production settings (DEBUG off) with what tests cannot provide swapped out."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from lai_chau.settings import *  # noqa: E402,F403

# No collectstatic before tests, and the test client speaks plain HTTP.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the apps' folders; there is no collectstatic output in a test run.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
