#!/usr/bin/env bash
# Entrypoint of seaworthy-test/rabbitmq, after the documented behaviour of the
# official rabbitmq image:
#  - `docker run IMAGE -foo` means `rabbitmq-server -foo`;
#  - RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS and RABBITMQ_DEFAULT_VHOST are
#    written to /etc/rabbitmq/conf.d/20-docker-env.conf as default_user,
#    default_pass and default_vhost (used when the node is first booted);
#  - RABBITMQ_ERLANG_COOKIE, if set, becomes the Erlang cookie;
#  - started as root, it owns the data directory to rabbitmq (uid 999) and
#    re-runs itself as rabbitmq; the server is exec'ed so `rabbitmqctl wait
#    --pid 1` works.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- rabbitmq-server "$@"
fi

if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
    mkdir -p /var/lib/rabbitmq /var/log/rabbitmq
    find /var/lib/rabbitmq /var/log/rabbitmq /etc/rabbitmq \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' + || :
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = rabbitmq-server ]; then
    conf=/etc/rabbitmq/conf.d/20-docker-env.conf
    {
        echo "## written by docker-entrypoint.sh from the environment"
        if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then echo "default_user = $RABBITMQ_DEFAULT_USER"; fi
        if [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then echo "default_pass = $RABBITMQ_DEFAULT_PASS"; fi
        if [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ]; then echo "default_vhost = $RABBITMQ_DEFAULT_VHOST"; fi
    } > "$conf" 2>/dev/null || echo >&2 "warning: cannot write $conf; RABBITMQ_DEFAULT_* ignored"
    # rabbitmq-server would read these too (and complain they are deprecated);
    # the config file is the one source of truth here.
    unset RABBITMQ_DEFAULT_USER RABBITMQ_DEFAULT_PASS RABBITMQ_DEFAULT_VHOST
    if [ -n "${RABBITMQ_ERLANG_COOKIE:-}" ]; then
        cookie=$HOME/.erlang.cookie
        if [ -e "$cookie" ] && [ "$(cat "$cookie")" != "$RABBITMQ_ERLANG_COOKIE" ]; then
            echo >&2 "warning: $cookie differs from RABBITMQ_ERLANG_COOKIE; overwriting it"
        fi
        rm -f "$cookie"
        printf '%s' "$RABBITMQ_ERLANG_COOKIE" > "$cookie"
        chmod 600 "$cookie"
    fi
fi

exec "$@"
