#!/bin/sh
# Entrypoint of seaworthy-test/redis, after the documented behaviour of the
# official redis image:
#  - `docker run IMAGE --appendonly yes` or `... /path/redis.conf` means
#    `redis-server ...`;
#  - started as root, it owns /data (the working directory) to redis and
#    re-runs itself as redis (uid 999); the server is PID 1 (exec);
#  - protected mode is off (the official image compiles it off) so other
#    containers can connect without a password. Here it is passed on the
#    command line unless a config file or --protected-mode is given.
set -e

case "$1" in
    -*|*.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ]; then
    if [ "$(id -u)" = 0 ]; then
        find . \! -user redis -exec chown redis '{}' + 2>/dev/null || :
        exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
    fi
    has_conf=0 has_pm=0
    for a in "$@"; do
        case "$a" in
            *.conf) has_conf=1 ;;
            --protected-mode) has_pm=1 ;;
        esac
    done
    if [ "$has_conf" = 0 ] && [ "$has_pm" = 0 ]; then
        set -- "$@" --protected-mode no
    fi
    # umask 0077 like the official image: data files readable by redis only.
    umask 0077
fi

exec "$@"
