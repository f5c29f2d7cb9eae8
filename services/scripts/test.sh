#!/usr/bin/env bash
# Builds the services in Release and runs their xunit tests, which start each service as a real
# process on a loopback port (127.0.0.1, port chosen by Kestrel) and stop it afterwards. The BookStore's
# tests run twice, on its in-memory store and on PostgreSQL: a throw-away server (postgres.sh) is
# started for the run and removed at the end, also when the run fails or is interrupted.
# Exits non-zero if the build or any test fails. Bounded by TEST_TIMEOUT seconds (default 900).
# Usage: services/scripts/test.sh [extra dotnet test arguments, e.g. --filter OrderTests]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICES="$(cd "$SCRIPT_DIR/.." && pwd)"
SOLUTION="$SERVICES/DotnetFargate.slnx"
TEST_TIMEOUT="${TEST_TIMEOUT:-900}"

command -v dotnet >/dev/null || { echo "test.sh: dotnet is not installed" >&2; exit 1; }

LOG="$(mktemp "${TMPDIR:-/tmp}/services-test.XXXXXX")"
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/services-test-pg.XXXXXX")"
TEST_PGID=""
cleanup() {
  bash "$SCRIPT_DIR/postgres.sh" clean "$PG_DIR" || true
  # The test run and every service it started share one process group: stop them all.
  if [[ -n "$TEST_PGID" ]] && kill -0 -- "-$TEST_PGID" 2>/dev/null; then
    kill -TERM -- "-$TEST_PGID" 2>/dev/null || true
    sleep 2
    kill -KILL -- "-$TEST_PGID" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
BOOKSTORE_TEST_POSTGRES="$(bash "$SCRIPT_DIR/postgres.sh" start "$PG_DIR")"
export BOOKSTORE_TEST_POSTGRES
dotnet build "$SOLUTION" -c Release -nologo -v quiet

setsid timeout --kill-after=30 "$TEST_TIMEOUT" \
  dotnet test "$SOLUTION" -c Release --no-build -nologo --blame-hang-timeout 5m "$@" >"$LOG" 2>&1 &
TEST_PGID=$!
status=0
tail -n +1 -f --pid="$TEST_PGID" "$LOG" || true
wait "$TEST_PGID" || status=$?
TEST_PGID=""

summary="$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$LOG" | tail -n1 || true)"
if [[ -n "$summary" ]]; then
  failed="$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")"
  passed="$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$summary")"
  echo "services tests took $(( $(date +%s) - started ))s"
  echo "services: $passed passed, $failed failed"
elif [[ $status -eq 0 ]]; then
  echo "test.sh: dotnet test printed no summary" >&2
  status=1
fi
[[ $status -eq 124 ]] && echo "test.sh: tests timed out after ${TEST_TIMEOUT}s" >&2
exit "$status"
