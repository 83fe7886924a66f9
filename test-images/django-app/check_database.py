"""Exit 0 when the configured database accepts a connection, else print one
clear ERROR line naming HOST:PORT and exit 1. Retries for DATABASE_WAIT
seconds (default 0: a single attempt)."""
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.utils import OperationalError  # noqa: E402

settings = connection.settings_dict
if settings["ENGINE"].endswith("postgresql"):
    where = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
else:
    where = settings["NAME"]
deadline = time.monotonic() + float(os.environ.get("DATABASE_WAIT", "0"))
while True:
    try:
        connection.ensure_connection()
        connection.close()
        sys.exit(0)
    except OperationalError as exc:
        if time.monotonic() >= deadline:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            print(f"ERROR: cannot reach the database at {where} ({reason})", file=sys.stderr, flush=True)
            sys.exit(1)
        time.sleep(1)
