"""WSGI entry point (gunicorn loads `lai_chau.wsgi`).

Before serving, it refuses to start a production server (DEBUG off) while the published demo accounts can still log
in: see lai_chau/checks.py.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lai_chau.settings")

application = get_wsgi_application()

from lai_chau.checks import refuse_demo_accounts  # noqa: E402 (needs the apps loaded above)

refuse_demo_accounts()
