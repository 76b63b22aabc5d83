# PostgreSQL for the store suite (issue 7): a throwaway cluster on a loopback port, for this run only.
#
# Sourced by scripts/test.sh (which runs under `set -euo pipefail`, so every step here is guarded and a
# failure only prints why: the suites then skip locally, and fail under CI=true where PostgreSQL is
# required). Installs Debian's `postgresql` when no server binaries are found, initialises a cluster in
# a temp dir owned by the `postgres` user (the server refuses to run as root), starts it on 127.0.0.1
# with its socket in the same temp dir, creates a database, exports ONESTOP_TEST_PG_URL and registers
# the stop + removal in CLEANUPS.
#
# Also used by the fault scripts (benchmarks/faults), which source it in a subshell to get a cluster of
# their own. Knobs: ONESTOP_TEST_PG_URL already set = use that server, start nothing;
# ONESTOP_PG_DURABLE=1 = keep fsync and synchronous commit on (the test default turns them off: the
# cluster is thrown away, and the suites test locking and consistency, not PostgreSQL's own crash safety).

onestop_pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

# The prefix that runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
# (Printed as text so that the cleanup command stays self-contained.)
onestop_pg_owner_prefix() {
  if [ "$(id -u)" != 0 ]; then echo ""; elif command -v runuser >/dev/null 2>&1; then echo "runuser -u postgres --"; else echo "sudo -u postgres"; fi
}

onestop_pg_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

onestop_pg_setup() {
  local bindir dir port tries durable_opts as_owner
  as_owner="$(onestop_pg_owner_prefix)"
  if ! bindir="$(onestop_pg_bindir)"; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test env: installing Debian's postgresql for the store tests…"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null) \
        || { echo "test env: could not install postgresql"; return 1; }
      bindir="$(onestop_pg_bindir)" || { echo "test env: postgresql installed but initdb/pg_ctl not found"; return 1; }
    else
      echo "test env: no PostgreSQL server binaries (initdb, pg_ctl) and cannot install them"
      return 1
    fi
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "test env: running as root but there is no 'postgres' user to own the cluster"
    return 1
  fi

  dir="$(mktemp -d /tmp/onestop-pg.XXXXXX)" || return 1
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  # From inside the temp dir: the cluster's owner may not be allowed into the directory we were started in.
  if ! (cd "$dir" && $as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1); then
    echo "test env: initdb failed:"; tail -n 20 "$dir/initdb.log"; rm -rf "$dir"; return 1
  fi
  durable_opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${ONESTOP_PG_DURABLE:-}" = 1 ] && durable_opts=""
  for tries in 1 2 3; do
    port="$(onestop_pg_free_port)" || return 1
    if (cd "$dir" && $as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 $durable_opts" start >/dev/null 2>&1); then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    echo "test env: PostgreSQL did not start:"; tail -n 20 "$dir/server.log" 2>/dev/null; rm -rf "$dir"; return 1
  fi
  CLEANUPS+=("(cd /tmp && $as_owner '$bindir/pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1); rm -rf '$dir'")
  if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres onestop_test >/dev/null 2>&1; then
    echo "test env: createdb failed"; return 1
  fi
  ONESTOP_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/onestop_test"
  export ONESTOP_TEST_PG_URL
  echo "test env: PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') at $ONESTOP_TEST_PG_URL"
}

if [ -n "${ONESTOP_TEST_PG_URL:-}" ]; then
  echo "test env: using the PostgreSQL server at ONESTOP_TEST_PG_URL"
else
  onestop_pg_setup || echo "test env: PostgreSQL store tests will skip (and fail under CI)"
fi
