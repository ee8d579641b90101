#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the test suite and prints its URL on stdout.
#   eval "$(scripts/test-postgres.sh start)"   # exports SMARTCOVER_TEST_DATABASE_URL and SMARTCOVER_TEST_PGDATA
#   scripts/test-postgres.sh stop "$SMARTCOVER_TEST_PGDATA"
#   scripts/test-postgres.sh halt DIR / resume DIR   # stop the server and start it again, data kept (outage tests)
# Debian's postgresql package; initdb refuses root, so the server runs as the postgres user, in a temporary
# directory, on a spare loopback port, with fsync off (test data is disposable).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_server() {
  as_postgres "$bin/pg_ctl" -D "$1/data" -l "$1/log" -w -o "-h 127.0.0.1 -p $(cat "$1/port") -k $1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
}

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/smartcover-pg-XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    echo "$port" > "$dir/port"
    start_server "$dir"
    echo "export SMARTCOVER_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export SMARTCOVER_TEST_PGDATA=$dir"
    ;;
  stop)
    dir=${2:?usage: $0 stop DIR}
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    rm -rf "$dir"
    ;;
  halt)
    as_postgres "$bin/pg_ctl" -D "${2:?usage: $0 halt DIR}/data" -m fast stop >/dev/null
    ;;
  resume)
    start_server "${2:?usage: $0 resume DIR}"
    ;;
  *) echo "usage: $0 start | stop DIR | halt DIR | resume DIR" >&2; exit 2 ;;
esac
