# Shared by ops/test and ops/faults: the `switchboard` processes a test run starts are
# listed (by PID, one per line) in $SWITCHBOARD_CHILD_PIDS (Tests/AppTests/Support/
# ServerProcess.swift writes it). A test runner that is killed, by a time limit for one,
# leaves its children running; reap_test_children ends those, and only those still
# running this run's $SWITCHBOARD_BINARY (a PID the system has since given to another
# program is left alone). Source after SWITCHBOARD_BINARY is set.
#
# track_test_children   makes the list and exports SWITCHBOARD_CHILD_PIDS
# reap_test_children    ends what is left of it and removes the list

track_test_children() {
  SWITCHBOARD_CHILD_PIDS=$(mktemp)
  export SWITCHBOARD_CHILD_PIDS
}

reap_test_children() {
  local pid binary left=0
  [ -n "${SWITCHBOARD_CHILD_PIDS:-}" ] && [ -f "$SWITCHBOARD_CHILD_PIDS" ] || return 0
  binary=$(readlink -f "$SWITCHBOARD_BINARY")
  while read -r pid; do
    [ -n "$pid" ] || continue
    if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$binary" ]; then
      kill -KILL "$pid" 2>/dev/null && left=$((left + 1))
    fi
  done < "$SWITCHBOARD_CHILD_PIDS"
  [ "$left" -gt 0 ] && echo "ended $left server process(es) a test run left behind" >&2
  rm -f "$SWITCHBOARD_CHILD_PIDS"
  return 0
}
