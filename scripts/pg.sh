#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks, owned by the project.
#   scripts/pg.sh start   -> prints the DATABASE_URL (postgresql://…@127.0.0.1:PORT/symbl)
#   scripts/pg.sh stop
# It runs as a non-root user (the "postgres" system user when we are root, else ourselves), keeps its data under
# $PGDIR (default /tmp/symbl-bot-pg) and listens on loopback only. Nothing here touches a system cluster.
set -euo pipefail

PGDIR=${PGDIR:-/tmp/symbl-bot-pg}
PGPORT=${PGPORT:-55432}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
URL="postgresql://symbl:symbl@127.0.0.1:${PGPORT}/symbl"

if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
  echo "PostgreSQL server binaries not found (install the Debian package postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      mkdir -p "$PGDIR"
      [ "$(id -u)" = "0" ] && chown postgres "$PGDIR"
      pwfile=$(mktemp); echo symbl > "$pwfile"; chmod 644 "$pwfile"
      as_owner "$PGBIN/initdb" -D "$PGDIR/data" -U symbl --pwfile="$pwfile" -A scram-sha-256 --no-sync >/dev/null
      rm -f "$pwfile"
    fi
    if ! as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      # fsync off: a test server's data is disposable; max_connections covers several replicas' pools.
      as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start \
        -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null
    fi
    PGPASSWORD=symbl "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U symbl -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='symbl'" | grep -q 1 \
      || PGPASSWORD=symbl "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U symbl symbl
    echo "$URL"
    ;;
  stop)
    as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
