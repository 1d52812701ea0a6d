#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the hub's tests: initdb in a temporary folder, run as an
# unprivileged user (nobody when started as root), listening on 127.0.0.1 only.
#
#   eval "$(scripts/test-postgres.sh start)"   # exports EDO_TEST_POSTGRES and EDO_TEST_POSTGRES_DIR
#   scripts/test-postgres.sh stop "$EDO_TEST_POSTGRES_DIR"
set -euo pipefail
bin=${EDO_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/edo-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown nobody "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U edo --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "export EDO_TEST_POSTGRES=postgres://edo@127.0.0.1:$port/postgres EDO_TEST_POSTGRES_DIR=$dir"
    ;;
  stop)
    dir=${2:?the folder printed by start}
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
