#!/usr/bin/env bash
# Entrypoint of seaworthy-test/postgres, written for this project after the
# documented behaviour of the official postgres image:
#  - `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`;
#  - started as root, it fixes the ownership of $PGDATA and re-runs itself as
#    the postgres user (uid 999);
#  - on an empty $PGDATA: initdb with POSTGRES_USER / POSTGRES_PASSWORD, a
#    temporary server on the unix socket only creates POSTGRES_DB and runs
#    /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz}, then stops; so
#    "database system is ready to accept connections" is logged twice;
#  - finally exec's the server (PID 1) listening on all addresses, with
#    password authentication (scram-sha-256) for every remote host.
# Supports the *_FILE variants (POSTGRES_PASSWORD_FILE, ...).
set -Eeo pipefail

file_env() { # file_env VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE
    local var=$1 fvar="${1}_FILE" def=${2:-} val
    if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
        echo >&2 "error: both $var and $fvar are set (but are exclusive)"
        exit 1
    fi
    val=$def
    if [ -n "${!var:-}" ]; then val=${!var}; elif [ -n "${!fvar:-}" ]; then val=$(<"${!fvar}"); fi
    export "$var"="$val"
    unset "$fvar"
}

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" != postgres ]; then
    exec "$@"
fi

# As root: make the directories ours, then start again as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA" || :
    chmod 700 "$PGDATA" || :
    mkdir -p /var/run/postgresql
    chown postgres:postgres /var/run/postgresql || :
    chmod 3777 /var/run/postgresql || :
    # a fresh data dir: only its contents may need fixing (not on a non-empty mount)
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' + || :
    fi
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ -s "$PGDATA/PG_VERSION" ]; then
    echo
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
    echo
    exec "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=}"

if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOM
    exit 1
fi

mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || :

if [ -n "$POSTGRES_PASSWORD" ]; then
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
else
    # POSTGRES_HOST_AUTH_METHOD=trust without a password
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
fi

auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

# Temporary server: unix socket only, so nothing can connect over TCP before
# initialization is complete.
export PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD"
pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

psql_cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
if [ "$POSTGRES_DB" != postgres ]; then
    "${psql_cmd[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
		CREATE DATABASE :"db" ;
	EOSQL
    echo
fi
psql_cmd+=(--dbname "$POSTGRES_DB")

echo
for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case $f in
        *.sh)
            if [ -x "$f" ]; then echo "$0: running $f"; "$f"
            else echo "$0: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "$0: running $f"; "${psql_cmd[@]}" -f "$f"; echo ;;
        *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql_cmd[@]}"; echo ;;
        *) echo "$0: ignoring $f" ;;
    esac
done

pg_ctl -D "$PGDATA" -m fast -w stop
unset PGPASSWORD

echo
echo 'PostgreSQL init process complete; ready for start up.'
echo

exec "$@"
