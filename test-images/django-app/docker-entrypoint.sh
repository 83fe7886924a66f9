#!/bin/sh
# Entrypoint of seaworthy-test/django-app.
#  1. check the database (one "ERROR: cannot reach the database at HOST:PORT (...)"
#     line and exit 1 when it is unreachable; DATABASE_WAIT seconds of retries, default 0);
#  2. collectstatic --noinput into $STATIC_ROOT (/app/static, a volume shared with nginx);
#  3. migrate --noinput;
#  4. exec gunicorn (PID 1, so SIGTERM gives a graceful shutdown and exit 0) on
#     unix:/run/gunicorn/gunicorn.sock with $GUNICORN_WORKERS workers (2).
# Any other command is exec'ed as is (e.g. `docker run IMAGE python3 manage.py shell`).
set -e

if [ "$#" -gt 0 ] && [ "$1" != gunicorn ]; then
    exec "$@"
fi
# `gunicorn ARGS...` adds ARGS to Gunicorn's command line.
[ "$#" -gt 0 ] && shift

if [ -z "${SECRET_KEY:-}" ]; then
    echo "WARNING: SECRET_KEY is not set; using a random key for this container only" >&2
    SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
    export SECRET_KEY
fi
if [ -z "${DATABASE_URL:-}" ]; then
    echo "ERROR: DATABASE_URL is not set (postgres://USER:PASSWORD@HOST:PORT/NAME)" >&2
    exit 1
fi

: "${STATIC_ROOT:=/app/static}"
export STATIC_ROOT

for dir in "$STATIC_ROOT" /run/gunicorn; do
    if ! [ -w "$dir" ]; then
        echo "ERROR: $dir is not writable by $(id -un) (uid $(id -u)); mount a volume owned by uid 1000" >&2
        exit 1
    fi
done

# The database first: when it is unreachable, fail fast with one clear line.
python3 check_database.py
python3 manage.py collectstatic --noinput
python3 manage.py migrate --noinput

# Settings (bind, workers, log format) are in /app/gunicorn.conf.py.
exec gunicorn --config /app/gunicorn.conf.py "$@"
