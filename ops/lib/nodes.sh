# Shared by ops/bench and ops/soak: the application's database on the throwaway
# cluster, and server nodes on it. Source after ops/lib/postgres.sh, once pg_start has run.
#
# nodes_database NAME   creates the login role and database NAME (no superuser, no
#                       BYPASSRLS), migrates it with $bin, and exports DATABASE_URL and
#                       fresh random server secrets.
# start_node NAME [VAR=VALUE ...]   starts $bin serve on a free port with extra
#                       environment, logging to $work/NAME.log; sets node_port and
#                       node_pid and waits until it is ready.
# stop_servers          stops every node start_node started.
# machine_summary       "2 cores, 24 GiB, x86_64".
# server_revision       the commit, and whether the server's sources differ from it.
#
# Needs: bin (the switchboard executable) and work (a scratch directory).

nodes_database() {
  local name=$1 password
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  pg_ensure_role "$name" "$password" "NOSUPERUSER NOBYPASSRLS NOCREATEDB"
  pg_ensure_database "$name" "$name"
  export DATABASE_URL="postgres://$name:$password@127.0.0.1:$PG_PORT/$name"
  export SWITCHBOARD_MIGRATIONS_DIR="$ROOT/migrations"
  "$bin" migrate >/dev/null
  export SWITCHBOARD_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export SWITCHBOARD_MASTER_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export SWITCHBOARD_OPERATOR_TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
}

servers=()

start_node() {
  local name=$1
  shift
  node_port=$(pg_free_port)
  # setsid: a session (so an autogroup) of its own, as PostgreSQL has, so the kernel
  # shares the 2 cores between nodes, database and load generator, not between sessions.
  env "$@" SWITCHBOARD_PORT="$node_port" setsid "$bin" serve > "$work/$name.log" 2>&1 &
  node_pid=$!
  servers+=("$node_pid")
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$node_port/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "node $name did not become ready; its log:" >&2
  cat "$work/$name.log" >&2
  return 1
}

stop_servers() {
  local pid
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  servers=()
}

machine_summary() {
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m)"
}

# Which server code is measured (the tree may be shared with work in progress).
server_revision() {
  local rev
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [ -n "$(git status --porcelain -- Sources Package.swift migrations 2>/dev/null)" ] && rev+=" + uncommitted server changes"
  echo "$rev"
}
