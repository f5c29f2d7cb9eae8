# shellcheck shell=bash
# Sourced by scripts that run long steps under `timeout` (services/scripts/verify-cross-arch.sh,
# bench/services/run.sh), so that Ctrl-C stops them at once and leaves nothing running:
# - `timeout` puts its command in a process group of its own, which a terminal's Ctrl-C does not reach; a signal
#   to `timeout` goes on to that whole group (coreutils src/timeout.c: setpgid in main unless --foreground, and
#   cleanup() sends it to the command and, unless --foreground, to the group; coreutils 9.1 here);
# - bash runs an INT/TERM trap only once a foreground command ends, but a `wait` returns at once (the bash manual,
#   SIGNALS), so a step in the foreground would hold an interrupt
#   until it ended.
# The script runs its long steps with `waited` and calls `stop_descendants` from its EXIT trap.

# Runs a command in the background and waits for it: the wait ends at once when a trapped signal arrives.
waited() { "$@" & wait "$!"; }

# Sends SIGTERM to every process this shell started that still runs, and to what they started. A `timeout` passes
# the signal on to its whole process group.
stop_descendants() {
  local table parent pid ppid found=() frontier=("$$") next
  table="$(ps -e -o pid=,ppid=)" || return 0
  while (( ${#frontier[@]} > 0 )); do
    next=()
    for parent in "${frontier[@]}"; do
      while read -r pid ppid; do [[ "$ppid" == "$parent" ]] && next+=("$pid"); done <<<"$table"
    done
    found+=("${next[@]}")
    frontier=("${next[@]}")
  done
  for pid in "${found[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
