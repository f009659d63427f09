# Shared by ops/dev and ops/test: a throwaway PostgreSQL cluster under .data/.
#
# pg_start NAME PORT   starts (creating on first use) the cluster .data/NAME on
#                      127.0.0.1:PORT and sets PG_SUPERUSER_URL. As root it runs the
#                      server as the unprivileged system user switchboard-pg, because
#                      PostgreSQL refuses to run as root.
# pg_ensure_role NAME PASSWORD ATTRS   creates or updates a login role.
# pg_ensure_database NAME OWNER        creates a database if missing.
# pg_stop              stops the cluster pg_start started.
# pg_attach NAME PORT  names a cluster for pg_stop without starting it.

PG_RUN_AS=""

pg_bindir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  done
  echo "PostgreSQL server binaries (initdb) not found; install postgresql (apt-get install postgresql)" >&2
  return 1
}

pg_as_owner() {
  if [ -n "$PG_RUN_AS" ]; then runuser -u "$PG_RUN_AS" -- "$@"; else "$@"; fi
}

# Sets PG_BIN, PG_DATA, PG_PORT and PG_RUN_AS for the cluster .data/NAME on PORT
# without starting it (pg_start does this first; ops/lib/pg-control uses it alone).
pg_attach() {
  local name=$1 port=$2
  PG_BIN=$(pg_bindir) || return 1
  PG_DATA="$ROOT/.data/$name"
  PG_PORT=$port
  mkdir -p "$ROOT/.data"
  if [ "$(id -u)" = 0 ]; then
    PG_RUN_AS=switchboard-pg
    id -u "$PG_RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_RUN_AS"
  fi
}

pg_start() {
  local name=$1 port=$2 bindir
  pg_attach "$name" "$port" || return 1
  bindir=$PG_BIN
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"
    [ -n "$PG_RUN_AS" ] && chown "$PG_RUN_AS" "$PG_DATA"
    chmod 700 "$PG_DATA"
    local password
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$password" > "$ROOT/.data/$name.superuser-password"
    chmod 600 "$ROOT/.data/$name.superuser-password"
    local pwfile
    pwfile=$(mktemp)
    echo "$password" > "$pwfile"
    [ -n "$PG_RUN_AS" ] && chown "$PG_RUN_AS" "$pwfile"
    pg_as_owner "$bindir/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  PG_SUPERUSER_PASSWORD=$(cat "$ROOT/.data/$name.superuser-password")
  PG_SUPERUSER_URL="postgres://postgres:$PG_SUPERUSER_PASSWORD@127.0.0.1:$port/postgres"
  if ! pg_as_owner "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    pg_as_owner "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c max_connections=${PG_MAX_CONNECTIONS:-300} -c fsync=${PG_FSYNC:-on} ${PG_EXTRA_OPTIONS:-}" \
      start >/dev/null
  fi
}

pg_psql() {
  PGPASSWORD=$PG_SUPERUSER_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -qAt "$@"
}

pg_ensure_role() {
  local role=$1 password=$2 attrs=$3
  if [ -z "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" ]; then
    pg_psql -c "CREATE ROLE $role LOGIN PASSWORD '$password' $attrs"
  else
    pg_psql -c "ALTER ROLE $role LOGIN PASSWORD '$password' $attrs"
  fi
}

pg_ensure_database() {
  local db=$1 owner=$2
  if [ -z "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    pg_psql -c "CREATE DATABASE $db OWNER $owner"
  fi
}

pg_stop() {
  if [ -n "${PG_DATA:-}" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# A stable random secret kept under .data/ (so dev tokens survive restarts).
dev_secret() {
  local file="$ROOT/.data/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$ROOT/.data"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file"
    chmod 600 "$file"
  fi
  cat "$file"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops the cluster and deletes it (for per-run test clusters).
pg_destroy() {
  pg_stop
  if [ -n "${PG_DATA:-}" ]; then
    rm -rf "$PG_DATA" "$PG_DATA.superuser-password"
  fi
}
