#!/usr/bin/env bash
# `npm run bench:services`: figures, not a pass/fail test.
# Every server runs with the runtime settings the images set (services/Dockerfile's ENV lines).
# Builds the services and a raw Kestrel baseline in Release (the publish step keeps its
# intermediate files in a temp dir, so the work tree's obj/ folders are left alone), then for each one:
#   - publish size and start-up, for a plain (JIT-only) framework-dependent linux-x64 publish and for the ReadyToRun
#     publish the Dockerfiles make: the wall time from the server's exec to the first 200 from /healthz, and the
#     server's CPU time (all threads) by then, which other load on the machine moves less; then the wall time to the
#     first 200 from the API asked right after it (liveness answers ahead of routing, so the route table is built
#     by that request). The server runs pinned
#     to CPU 0 on a port picked beforehand (--urls); the poller is this shell, pinned to CPU 1, and forks nothing per
#     try (bash's /dev/tcp, every millisecond): see start_server;
#   - wrk load on loopback, servers (the ReadyToRun publishes) pinned to CPU 0, wrk pinned to CPU 1, in BENCH_ROUNDS
#     rounds (see "Throughput, in rounds" below): requests/s and p50/p99 latency for GET /api/books, /api/categories,
#     /api/orders and /prime (medians of the rounds),
#     next to the raw Kestrel endpoint that returns a constant 5000-byte body (this machine's ceiling) and the
#     same three GET routes on SeedBookStore, the seed's read path rebuilt (controllers, services, repositories,
#     EF Core in-memory), and GET /api/books on MinimalApi, an idiomatic minimal API serving the same bytes; then
#     each BookStore route as a share of the ceiling and as a multiple of the seed's, taken within each round;
#   - the Native AOT publishes of the services services.json builds with Dockerfile.aot (the BookStore, Prime): start-up,
#     size and the same load, as "<name> AOT"; and the bare Kestrel app's (start-up only: the Native AOT floor);
#   - memory: VmRSS of a fresh process after BENCH_RSS_SECONDS (default 20) of GET /api/books, for RawKestrel,
#     MinimalApi, SeedBookStore and the BookStore (ReadyToRun and Native AOT); start-up and memory then side by
#     side as ratios to RawKestrel, the seed's and the minimal API's, from this one run;
# Before measuring a service, each of its endpoints is loaded in 5 s windows until two consecutive windows
# are within 5% of each other (tiered JIT and PGO have settled), at most BENCH_WARMUP_MAX seconds; the time
# that took is printed. Then:
#   - saturation: /prime?n=100000000 from 16 connections for BENCH_DURATION seconds with the service's default
#     admission control (one CPU: 1 running, 1 waiting), while a probe GETs /healthz every 20 ms: the share of
#     503s, their latency, and the probe's p50/p99;
#   - the prime sieve against the seed's, in one process, at n = 10^6, 10^7, 10^8 (median of 7);
#   - warm-up curves: GET /api/books from a fresh process in 2 s windows, for the ReadyToRun publish as the
#     images run it (services/Dockerfile's ENV: call counting at once), with the runtime's defaults, with
#     TieredPGO off, with tiered compilation off, and for the JIT-only publish: each one's steady rate and how
#     soon it first reaches 90% of it;
#   - the BookStore's GET routes again on its PostgreSQL store (BookStore/pg): a throw-away server
#     (services/scripts/postgres.sh, TLS on, as on RDS) pinned to CPU 0 with the service, so the one core
#     serves both the service and its database. Skipped, with a line saying so, without PostgreSQL.
# Settings (environment): BENCH_DURATION (s per endpoint and round, default 10), BENCH_ROUNDS (default 3),
# BENCH_WARMUP_MAX (s, default 60),
# BENCH_CONNECTIONS (default 32), BENCH_PRIME_CONNECTIONS (default 2), BENCH_CURVE_SECONDS (default 30, the
# warm-up curves under the runtime's tiering settings), BENCH_STARTUP_RUNS (default 7, the median is printed).
# Needs: dotnet, node, bash 5 with /dev/tcp, wrk (apt-get install -y wrk), taskset (util-linux), curl, and 2 CPUs; for BookStore/pg,
# the postgresql package; the program compiled (`npm run build`; `npm run bench:services` compiles it first), for the
# services registry's reader, the price table and the ratios.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
SERVICES="$ROOT/services"
DURATION="${BENCH_DURATION:-10}"
WARMUP_MAX="${BENCH_WARMUP_MAX:-60}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PRIME_CONNECTIONS="${BENCH_PRIME_CONNECTIONS:-2}"
STARTUP_RUNS="${BENCH_STARTUP_RUNS:-7}"
ROUNDS="${BENCH_ROUNDS:-3}"

fail() { echo "bench:services: $*" >&2; exit 1; }
command -v wrk >/dev/null || fail "wrk is not installed (Debian: apt-get install -y wrk)."
for tool in dotnet node taskset curl awk; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed."
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_ROUNDS must be a whole number of rounds, 1 or more; got '$ROUNDS'."
(( $(nproc) >= 2 )) || fail "needs 2 CPUs (server on CPU 0, load generator on CPU 1); this machine has $(nproc)."
# The program's own modules, compiled: the services registry's reader (tools/services-registry.ts, as
# services/scripts/verify-cross-arch.sh uses it), the price table (model/pricing.ts) and the ratios taken within
# rounds (bench/round-ratio.ts, tested in bench/round-ratio.test.ts).
REGISTRY_JS="$ROOT/bin/tools/services-registry.js"
PRICING="$ROOT/bin/model/pricing.js"
ROUND_RATIO_JS="$ROOT/bin/bench/round-ratio.js"
[[ -f "$REGISTRY_JS" && -f "$PRICING" && -f "$ROUND_RATIO_JS" ]] || fail "the program is not compiled ($REGISTRY_JS); run npm run build first, or npm run bench:services, which does."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-services.XXXXXX")"
SERVER_PID=""
RESIDENT=()   # servers kept up together for the rounds of load (see "Throughput, in rounds")
stop_pid() {
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
stop_server() { stop_pid "$SERVER_PID"; SERVER_PID=""; }
stop_resident() { local pid; for pid in "${RESIDENT[@]}"; do stop_pid "$pid"; done; RESIDENT=(); }
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bench-services-pg.XXXXXX")"   # its own folder: as root, postgres must reach it
# The builds and publishes run with `waited`, and the exit stops whatever still runs (the file says why).
# shellcheck source=services/scripts/interruptible.sh
source "$SERVICES/scripts/interruptible.sh"
cleanup() {
  stop_server
  stop_resident
  bash "$SERVICES/scripts/postgres.sh" clean "$PG_DIR" >/dev/null 2>&1 || true
  stop_descendants
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

echo "Building (Release)..." >&2
waited timeout 900 dotnet build "$SERVICES/DotnetFargate.slnx" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "building the services failed."; }
# RawKestrel and SeedBookStore are only published (below); SieveBench runs from its build.
waited timeout 600 dotnet build "$SCRIPT_DIR/SieveBench/SieveBench.csproj" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "building SieveBench failed."; }

declare -A PROJ=(
  [RawKestrel]="$SCRIPT_DIR/RawKestrel/RawKestrel.csproj"
  [MinimalApi]="$SCRIPT_DIR/MinimalApi/MinimalApi.csproj"
  [BookStore.Api]="$SERVICES/BookStore.Api/BookStore.Api.csproj"
  [SeedBookStore]="$SCRIPT_DIR/SeedBookStore/SeedBookStore.csproj"
  [Prime.Api]="$SERVICES/Prime.Api/Prime.Api.csproj"
  [Profiling.Api]="$SERVICES/Profiling.Api/Profiling.Api.csproj"
)
ORDER=(RawKestrel MinimalApi BookStore.Api SeedBookStore Prime.Api Profiling.Api)

# The runtime settings the images set (services/Dockerfile's ENV lines): every service and the Kestrel
# baseline run with them, as the tasks do.
mapfile -t IMAGE_ENV < <("$SERVICES/scripts/image-env.sh" "$SERVICES/Dockerfile")

# Start-up is measured the same way for every server, and cheaply, so that a process ready in tens of milliseconds is
# not timed against the harness: a free loopback port is picked first and given with --urls (no log line to wait
# for; console logging is asynchronous), the server is pinned to CPU 0 and this shell, the poller, to CPU 1, and
# the poll forks nothing: every millisecond it connects through bash's /dev/tcp, sends GET /healthz and reads the
# status line. STARTUP_MS is the wall time from just before the server's exec to that first 200 (1 ms resolution);
# STARTUP_CPU_MS is the server's CPU time from its exec to that moment, user and system, all its threads
# (/proc/<pid>/task/*/schedstat, nanoseconds): other load on the machine moves it less than the wall time, though
# not to nothing (a busy sibling hyperthread, the caches). STARTUP_FAULTS is the minor page faults it has taken since
# its exec (minflt in /proc/<pid>/stat): Native AOT saves the JIT's CPU but not the faults, and where a fault is dear (a nested
# VM: ~12 us each on the machine services/README.md measured on) they are much of a Native AOT start.
ALL_CPUS="0-$(( $(nproc) - 1 ))"
exec {SLEEP_FD}<> <(:)                     # a pipe nothing writes to: `read -t` on it sleeps without a fork
pause() { local nothing; read -r -t "$1" -u "$SLEEP_FD" nothing || true; }
epoch_us() { local t="$EPOCHREALTIME"; echo "${t//[!0-9]/}"; }
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 12000 ))   # below Linux's ephemeral range (32768-60999)
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  fail "no free loopback port found."
}
# 0 when the server on loopback port $1 answers GET $2 with 200.
get_ok() {
  local status="" conn
  { exec {conn}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$conn"
  read -r -t 10 -u "$conn" status || true
  exec {conn}<&-
  [[ "$status" == "HTTP/1.1 200"* ]]
}
# Asks GET $2 on loopback port $1 every millisecond until a 200, forking nothing per try (the clock read inline, not
# through epoch_us's command substitution), and sets OK_AT_US to the time of that 200; fails naming server $3 when
# SERVER_PID exits (its output, $5, shown) or when the deadline $4 (epoch microseconds) passes.
await_200() {
  local port="$1" path="$2" name="$3" deadline="$4" log="$5" t
  until get_ok "$port" "$path"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "$name exited before GET $path answered 200."; }
    t="$EPOCHREALTIME"
    (( ${t//[!0-9]/} < deadline )) || fail "$name did not answer GET $path with 200 within 60 s of its start."
    pause 0.001
  done
  t="$EPOCHREALTIME"; OK_AT_US="${t//[!0-9]/}"
}
# Sets MINOR_FAULTS to process $1's minor page faults so far, empty when it is gone; forks nothing, so a process can
# read its own just before it execs.
read_minor_faults() {
  local stat fields
  MINOR_FAULTS=""
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  read -r -a fields <<<"${stat##*) }"   # after the command name: state, ppid, pgrp, session, tty, tpgid, flags, minflt
  MINOR_FAULTS="${fields[7]}"
}
cpu_ns() {
  local ns=0 run rest task
  for task in /proc/"$1"/task/*/schedstat; do
    read -r run rest <"$task" 2>/dev/null && ns=$(( ns + run ))
  done
  echo "$ns"
}

# A cheap GET from each server's API: /api/books (the path the BookStores are loaded on), the bare Kestrel app's GET / (the
# same 5000 bytes), the smallest sieve, the leak's counters.
api_path() {
  case "$1" in
    RawKestrel) echo / ;;
    Prime.Api) echo "/prime?n=2" ;;
    Profiling.Api) echo /memory-leak/stats ;;
    *) echo /api/books ;;
  esac
}

# Starts a service pinned to CPU 0, with SERVER_ENV (NAME=value ...) in its environment, its output in
# $WORK/<label>.log (the label defaults to the name); sets SERVER_PID, SERVER_URL, STARTUP_MS, STARTUP_CPU_MS and
# STARTUP_FAULTS (above), and FIRST_API_MS: from the same clock to a 200 from the server's API path (api_path), asked
# once the /healthz 200 came.
SERVER_ENV=("${IMAGE_ENV[@]}")
start_server() {
  local name="$1" dll="${2:-$WORK/publish/r2r/$1/$1.dll}" log="$WORK/${3:-$1}.log" port deadline
  local cmd=(dotnet "$dll") at="$WORK/exec-at" start exec_faults exec_cpu_ns
  [[ "$dll" == *.dll ]] || cmd=("$dll")   # a Native AOT binary runs by itself
  port="$(free_port)"
  taskset -pc 1 $$ >/dev/null
  : >"$at"
  # The server's own process, with nothing between the clock and its exec: the subshell sets the environment, moves
  # itself to CPU 0, writes the clock, its faults and CPU time so far (all read without a fork), and becomes the
  # server. Through `env` and `taskset` as commands, each an exec of its own in the same process, the start took
  # ~10-15 ms more here for every server alike, which said more of the fast ones than of the slow.
  (
    export "${SERVER_ENV[@]}" ASPNETCORE_ENVIRONMENT=Production
    taskset -pc 0 "$BASHPID" >/dev/null
    read_minor_faults "$BASHPID"; read -r run _ <"/proc/$BASHPID/schedstat"
    now="$EPOCHREALTIME"
    echo "${now//[!0-9]/} $MINOR_FAULTS $run" >"$at"
    exec "${cmd[@]}" --urls "http://127.0.0.1:$port"
  ) >"$log" 2>&1 &
  SERVER_PID=$!
  deadline=$(( $(epoch_us) + 60000000 ))
  until [[ -s "$at" ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "$name: its process ended before its exec."; }
    pause 0.0005
  done
  read -r start exec_faults exec_cpu_ns <"$at"
  await_200 "$port" /healthz "$name" "$deadline" "$log"
  STARTUP_MS=$(( (OK_AT_US - start) / 1000 ))
  STARTUP_CPU_MS=$(( ($(cpu_ns "$SERVER_PID") - exec_cpu_ns) / 1000000 ))
  read_minor_faults "$SERVER_PID"
  STARTUP_FAULTS=$(( MINOR_FAULTS - exec_faults ))
  # Then the first 200 from the API itself, which builds what liveness did not need (the route table), polled the same
  # way (a store on a database may not be ready yet).
  await_200 "$port" "$(api_path "$name")" "$name" "$deadline" "$log"
  FIRST_API_MS=$(( (OK_AT_US - start) / 1000 ))
  taskset -pc "$ALL_CPUS" $$ >/dev/null
  SERVER_URL="http://127.0.0.1:$port"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wrk's latency figures come as 1.23ms / 456.00us / 1.02s: print milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else print v }'
}

# Loads the path in 5 s windows until two consecutive ones are within 5% (or WARMUP_MAX runs out); records
# the seconds it took and the last window's rate in WARM_ROWS.
WARM_ROWS=()
warm() {
  local name="$1" path="$2" conns="$3" elapsed=0 prev=0 rate steady="no"
  while (( elapsed < WARMUP_MAX )); do
    rate="$(timeout 40 taskset -c 1 wrk -t1 -c"$conns" -d5s --timeout 10s "$SERVER_URL$path" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')"
    elapsed=$((elapsed + 5))
    if (( prev > 0 )) && awk -v a="$prev" -v b="$rate" 'BEGIN { d = (a > b ? a - b : b - a) / (a > b ? a : b); exit !(d <= 0.05) }'; then
      steady="yes"; break
    fi
    prev="$rate"
  done
  WARM_ROWS+=("$(printf '| %-17s | %-20s | %5s s | %10s | %-6s |' "$name" "GET $path" "$elapsed" "$rate" "$steady")")
  echo "  $name GET $path: steady=$steady after ${elapsed}s at $rate req/s" >&2
}

# One wrk window of DURATION seconds against SERVER_URL; the round's figures are added to R_RPS, R_P50, R_P99 and
# R_ERRORS under "<service> <path>" (space-separated, one value a round).
declare -A R_RPS R_P50 R_P99 R_ERRORS BYTES
measure() {
  local name="$1" path="$2" conns="$3" out rps p50 p99 errors
  BYTES["$name $path"]="$(curl -s -o /dev/null -w '%{size_download}' "$SERVER_URL$path")"
  out="$(timeout $((DURATION + 30)) taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s --latency "$SERVER_URL$path")"
  rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  errors="$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0} END {print n + 0}' <<<"$out")"
  R_RPS["$name $path"]+="${rps:-0} "
  R_P50["$name $path"]+="${p50:-0} "
  R_P99["$name $path"]+="${p99:-0} "
  R_ERRORS["$name $path"]+="$errors "
  echo "  $name GET $path: ${rps:-0} req/s, p50 $p50 ms, p99 $p99 ms" >&2
}
list_median() { tr ' ' '\n' <<<"${1:-}" | { grep . || true; } | median; }   # empty for an empty list

# Throughput, in rounds. Each job ("<service>|<path>|<connections>") names a server started beforehand, its URL in
# URL_OF. Every job is warmed first (warm, above); then each of ROUNDS rounds loads every job once, in the order
# given, so the servers compared with each other are loaded back to back. A change in the machine's speed (other
# guests on a VM's host, other work) then falls on one round's servers alike: the ratios are taken within each round
# (round_ratio) and the table gives the medians of the rounds. Adds a row per job to ROWS and its median to RPS.
ROWS=()
declare -A RPS URL_OF   # RPS: "<service> <path>" -> req/s, median of the rounds
load_rounds() {
  local job name path conns round key
  for job in "$@"; do
    IFS='|' read -r name path conns <<<"$job"
    SERVER_URL="${URL_OF[$name]}"; warm "$name" "$path" "$conns"
  done
  for round in $(seq 1 "$ROUNDS"); do
    echo "Load, round $round of $ROUNDS..." >&2
    for job in "$@"; do
      IFS='|' read -r name path conns <<<"$job"
      SERVER_URL="${URL_OF[$name]}"; measure "$name" "$path" "$conns"
    done
  done
  for job in "$@"; do
    IFS='|' read -r name path conns <<<"$job"
    key="$name $path"
    RPS[$key]="$(list_median "${R_RPS[$key]}")"
    ROWS+=("$(printf '| %-17s | %-20s | %6s | %2s | %8s | %8s | %8s | %6s | %-26s |' "$name" "GET $path" "${BYTES[$key]}" "$conns" \
      "${RPS[$key]}" "$(list_median "${R_P50[$key]}")" "$(list_median "${R_P99[$key]}")" \
      "$(tr ' ' '\n' <<<"${R_ERRORS[$key]}" | awk '{n += $1} END {print n + 0}')" "${R_RPS[$key]% }")")
  done
}

# The ratio of two jobs' req/s in each round ($1 over $2, keys of R_RPS), with $3 decimals and the suffix $4: the
# median of the rounds' ratios, then their range when there is more than one round; n/a when either was not measured.
round_ratio() {
  local a="${R_RPS[${1:-}]:-}" b="${R_RPS[${2:-}]:-}"
  [[ -n "$a" && -n "$b" ]] || { printf 'n/a'; return; }
  node "$ROUND_RATIO_JS" "$a" "$b" "$3" "${4:-}" || fail "the ratio of '$1' to '$2' failed (above)."
}

declare -A SIZE SIZE_R2R
for name in "${ORDER[@]}"; do
  for variant in jit r2r; do
    flags=(); [[ "$variant" == r2r ]] && flags=(-p:PublishReadyToRun=true)
    echo "Publishing $name (-a x64, framework-dependent, $variant)..." >&2
    waited timeout 600 dotnet publish "${PROJ[$name]}" -c Release -a x64 "${flags[@]}" -nologo -v quiet \
      --artifacts-path "$WORK/artifacts-$variant" -o "$WORK/publish/$variant/$name" >"$WORK/build.log" 2>&1 \
      || { cat "$WORK/build.log" >&2; fail "publishing $name ($variant) failed."; }
  done
  SIZE[$name]="$(du -sk "$WORK/publish/jit/$name" | awk '{printf "%.1f MiB", $1 / 1024}')"
  SIZE_R2R[$name]="$(du -sk "$WORK/publish/r2r/$name" | awk '{printf "%.1f MiB", $1 / 1024}')"
done

# Native AOT for the services services/Dockerfile.aot builds (needs clang here, as the image build has it), and for the
# bare Kestrel app: what an empty Native AOT ASP.NET Core process costs to start here, the floor (start-up only; linked
# as the images are, RawKestrel.csproj).
# The services come from the registry (those built with Dockerfile.aot), as the images do; a malformed registry stops
# the run here with the reader's message.
REGISTRY="$(node "$REGISTRY_JS" "$SERVICES/services.json")" || fail "reading services/services.json failed (above)."
mapfile -t AOT_SERVICES < <(awk '$2 == "Dockerfile.aot" {print $1}' <<<"$REGISTRY")
for name in "${AOT_SERVICES[@]}"; do [[ -n "${PROJ[$name]:-}" ]] || fail "services.json builds $name Native AOT, and this script has no project path for it."; done
AOT_PROJECTS=(RawKestrel "${AOT_SERVICES[@]}")
aot_binary() { echo "$WORK/publish/aot/$1/$1"; }
if command -v clang >/dev/null; then
  for name in "${AOT_PROJECTS[@]}"; do
    echo "Publishing $name (-a x64, Native AOT)..." >&2
    waited timeout 900 dotnet publish "${PROJ[$name]}" -c Release -a x64 -p:PublishAot=true -nologo -v quiet \
      --artifacts-path "$WORK/artifacts-aot" -o "$WORK/publish/aot/$name" >"$WORK/build.log" 2>&1 \
      || { tail -n 20 "$WORK/build.log" >&2; echo "  $name: the Native AOT publish failed" >&2; }
  done
fi

# Start-up, in rounds: each round starts every publish once, so a change in the machine's load (other jobs) falls on
# all of them alike and the ratios between them hold; the median of the rounds is printed.
declare -A STARTUP_TIMES STARTUP_CPU_TIMES STARTUP_FAULT_COUNTS FIRST_API_TIMES
startup_once() {
  local key="$1" name="$2" binary="$3"
  [[ -e "$binary" ]] || return 0
  start_server "$name" "$binary"
  STARTUP_TIMES[$key]+="$STARTUP_MS "
  STARTUP_CPU_TIMES[$key]+="$STARTUP_CPU_MS "
  STARTUP_FAULT_COUNTS[$key]+="$STARTUP_FAULTS "
  FIRST_API_TIMES[$key]+="$FIRST_API_MS "
  stop_server
}
for round in $(seq 1 "$STARTUP_RUNS"); do
  echo "Start-up, round $round of $STARTUP_RUNS..." >&2
  for name in "${ORDER[@]}"; do
    startup_once "jit $name" "$name" "$WORK/publish/jit/$name/$name.dll"
    startup_once "r2r $name" "$name" "$WORK/publish/r2r/$name/$name.dll"
  done
  for name in "${AOT_PROJECTS[@]}"; do startup_once "aot $name" "$name" "$(aot_binary "$name")"; done
done
# The medians of each start-up key's rounds ("jit|r2r|aot <name>"), computed once: wall ms, CPU ms, minor faults.
# A key with no rounds (a publish that failed) has none.
declare -A START_MS START_CPU START_FAULTS FIRST_API
for key in "${!STARTUP_TIMES[@]}"; do
  START_MS[$key]="$(list_median "${STARTUP_TIMES[$key]}")"
  START_CPU[$key]="$(list_median "${STARTUP_CPU_TIMES[$key]}")"
  START_FAULTS[$key]="$(list_median "${STARTUP_FAULT_COUNTS[$key]}")"
  FIRST_API[$key]="$(list_median "${FIRST_API_TIMES[$key]}")"
done
AOT_ROWS=()
for name in "${AOT_PROJECTS[@]}"; do
  if [[ -x "$(aot_binary "$name")" ]]; then
    AOT_ROWS+=("$(printf '| %-13s | %-17s | %-32s | %-24s | %-28s |' "$name AOT" "" "" "$(du -sk --exclude='*.dbg' "$WORK/publish/aot/$name" | awk '{printf "%.1f MiB", $1 / 1024}')" "${START_MS[aot $name]:-} ms, ${START_CPU[aot $name]:-} ms CPU (Native AOT)")")
  elif command -v clang >/dev/null; then
    AOT_ROWS+=("| $name AOT | Native AOT publish failed | | | |")
  fi
done

# The Native AOT publishes (services/Dockerfile.aot) are loaded as "<name> AOT" beside the ReadyToRun ones. Every
# loaded server is started once and kept up through the rounds, all pinned to CPU 0: one not under load only runs
# its timers.
LOADED=(RawKestrel MinimalApi BookStore.Api SeedBookStore Prime.Api)
for name in "${AOT_SERVICES[@]}"; do [[ -x "$(aot_binary "$name")" ]] && LOADED+=("$name AOT"); done
for name in "${LOADED[@]}"; do
  if [[ "$name" == *" AOT" ]]; then start_server "${name% AOT}" "$(aot_binary "${name% AOT}")" "$name"; else start_server "$name"; fi
  URL_OF[$name]="$SERVER_URL"; RESIDENT+=("$SERVER_PID"); SERVER_PID=""
  echo "$name at ${URL_OF[$name]}" >&2
done
# Back to back within a round: the ceiling, the minimal API, the BookStore's builds and the seed on GET /api/books
# (the ratios below), then the other routes, then /prime.
JOBS=()
has() { [[ -n "${URL_OF[$1]:-}" ]]; }
for name in RawKestrel MinimalApi BookStore.Api "BookStore.Api AOT" SeedBookStore; do
  path="$(api_path "$name")"
  has "$name" && JOBS+=("$name|$path|$CONNECTIONS")
done
for path in /api/categories /api/orders; do
  for name in BookStore.Api "BookStore.Api AOT" SeedBookStore; do has "$name" && JOBS+=("$name|$path|$CONNECTIONS"); done
done
for name in Prime.Api "Prime.Api AOT"; do has "$name" && JOBS+=("$name|/prime|$PRIME_CONNECTIONS"); done
load_rounds "${JOBS[@]}"
stop_resident

# Memory: resident set (VmRSS) of a fresh process after RSS_SECONDS of GET /api/books (RawKestrel: GET /, the same
# 5000 bytes), as a task holds it once it has served a while.
RSS_SECONDS="${BENCH_RSS_SECONDS:-20}"
declare -A RSS
rss_after_load() {
  local label="$1" name="$2" binary="${3:-}" path
  path="$(api_path "$name")"
  if [[ -n "$binary" ]]; then start_server "$name" "$binary"; else start_server "$name"; fi
  timeout $((RSS_SECONDS + 30)) taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${RSS_SECONDS}s" --timeout 10s "$SERVER_URL$path" >/dev/null
  RSS[$label]="$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status")"
  stop_server
  echo "  $label: ${RSS[$label]} MiB after ${RSS_SECONDS}s of GET $path" >&2
}
echo "Memory after ${RSS_SECONDS}s of load..." >&2
for name in RawKestrel MinimalApi SeedBookStore BookStore.Api; do rss_after_load "$name" "$name"; done
[[ -x "$(aot_binary BookStore.Api)" ]] && rss_after_load "BookStore.Api AOT" BookStore.Api "$(aot_binary BookStore.Api)"

# Warm-up from a fresh process under the runtime's tiering settings: GET /api/books in 2 s windows for
# BENCH_CURVE_SECONDS. "steady" is the median of the windows in the last third; "90% by" is the end of the
# first window at 90% of it or more.
CURVE_SECONDS="${BENCH_CURVE_SECONDS:-30}"
CURVE_ROWS=()
warm_curve() {
  local label="$1" dll="$2"; shift 2
  local rates=() rate t=0 steady from
  SERVER_ENV=("$@")
  start_server BookStore.Api "$dll"
  SERVER_ENV=("${IMAGE_ENV[@]}")
  while (( t < CURVE_SECONDS )); do
    rate="$(timeout 30 taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s --timeout 10s "$SERVER_URL/api/books" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')"
    rates+=("${rate:-0}")
    t=$((t + 2))
  done
  stop_server
  steady="$(printf '%s\n' "${rates[@]:$(( ${#rates[@]} * 2 / 3 ))}" | median)"
  from="$(printf '%s\n' "${rates[@]}" | awk -v s="$steady" '$1 >= 0.9 * s { print NR * 2; exit }')"
  CURVE_ROWS+=("$(printf '| %-40s | %8s | %8s | %8s | %8s | %6s s |' "$label" "${rates[0]}" "${rates[2]:-}" "${rates[4]:-}" "$steady" "$from")")
  echo "  $label: ${rates[*]}" >&2
}
echo "Warm-up curves of GET /api/books from a fresh process..." >&2
R2R_BOOKSTORE="$WORK/publish/r2r/BookStore.Api/BookStore.Api.dll"
warm_curve "ReadyToRun, as the images run it" "$R2R_BOOKSTORE" "${IMAGE_ENV[@]}"
warm_curve "ReadyToRun, the runtime's defaults" "$R2R_BOOKSTORE"
warm_curve "ReadyToRun, call counting at once" "$R2R_BOOKSTORE" DOTNET_TC_CallCountingDelayMs=0
warm_curve "ReadyToRun, TieredPGO off" "$R2R_BOOKSTORE" DOTNET_TieredPGO=0
warm_curve "ReadyToRun, tiered compilation off" "$R2R_BOOKSTORE" DOTNET_TieredCompilation=0
warm_curve "JIT only, as the images run it" "$WORK/publish/jit/BookStore.Api/BookStore.Api.dll" "${IMAGE_ENV[@]}"

# The BookStore on PostgreSQL, the database on the service's core.
PG_NOTE=""
if compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null && command -v psql >/dev/null; then
  echo "Starting a throw-away PostgreSQL on CPU 0..." >&2
  admin="$(taskset -c 0 bash "$SERVICES/scripts/postgres.sh" start "$PG_DIR")"
  pg_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$admin")"
  pg_password="$(cat "$PG_DIR/password")"
  PGPASSWORD="$pg_password" psql -q "host=127.0.0.1 port=$pg_port user=postgres dbname=postgres sslmode=require" -c 'CREATE DATABASE bookstore' >/dev/null
  SERVER_ENV=("${IMAGE_ENV[@]}" BookStore__Store=postgres "BookStore__DatabasePassword=$pg_password"
    "ConnectionStrings__BookStore=Host=127.0.0.1;Port=$pg_port;Database=bookstore;Username=postgres;SSL Mode=Require")
  start_server BookStore.Api "" BookStore-pg
  SERVER_ENV=("${IMAGE_ENV[@]}")
  URL_OF[BookStore/pg]="$SERVER_URL"
  for _ in $(seq 1 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SERVER_URL/ready" || true)" == "200" ]] && break
    sleep 0.1
  done
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SERVER_URL/ready" || true)" == "200" ]] \
    || fail "the BookStore on PostgreSQL did not become ready within 30 s."
  echo "Loading BookStore/pg at $SERVER_URL..." >&2
  load_rounds "BookStore/pg|/api/books|$CONNECTIONS" "BookStore/pg|/api/categories|$CONNECTIONS" "BookStore/pg|/api/orders|$CONNECTIONS"
  stop_server
  bash "$SERVICES/scripts/postgres.sh" clean "$PG_DIR" >/dev/null
  PG_NOTE="BookStore/pg: the BookStore on its PostgreSQL store ($(ls /usr/lib/postgresql | sort -V | tail -n1), TLS, Npgsql pool of 20), the database pinned to CPU 0 with the service."
else
  PG_NOTE="BookStore/pg skipped: PostgreSQL is not installed (apt-get install -y postgresql)."
fi

# Saturation: far more /prime work than one core does, with a /healthz probe beside it.
start_server Prime.Api
echo "Saturating Prime.Api at $SERVER_URL..." >&2
probe_log="$WORK/probe.txt"
( end=$(( $(now_ms) + DURATION * 1000 ))
  while (( $(now_ms) < end )); do
    taskset -c 1 curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' "$SERVER_URL/healthz" || echo "000 10"
    sleep 0.02
  done ) >"$probe_log" &
probe=$!
sat="$(timeout $((DURATION + 30)) taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --timeout 10s --latency "$SERVER_URL/prime?n=100000000")"
wait "$probe" || true
stop_server
sat_total="$(awk '/requests in/ {print $1}' <<<"$sat")"
sat_non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$sat")"; sat_non2xx="${sat_non2xx:-0}"
probe_n="$(wc -l <"$probe_log")"
probe_bad="$(awk '$1 != "200"' "$probe_log" | wc -l)"
probe_p50="$(awk '{print $2 * 1000}' "$probe_log" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}')"
probe_p99="$(awk '{print $2 * 1000}' "$probe_log" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%.1f", a[i]}')"

echo "Timing the sieves..." >&2
SIEVE="$(taskset -c 0 dotnet "$SCRIPT_DIR/SieveBench/bin/Release/net10.0/SieveBench.dll" 7)"

cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo
echo "Machine: $(nproc) CPUs (${cpu:-unknown CPU}), $(uname -sr); .NET $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
echo "Servers (the ReadyToRun publishes, with the images' ${IMAGE_ENV[*]:-defaults}, and the Native AOT ones) pinned to CPU 0, wrk pinned to CPU 1; wrk -t1 -c<conns> -d${DURATION}s --latency, after warming each endpoint until steady; loopback HTTP/1.1 keep-alive."
echo "$ROUNDS rounds, each loading every endpoint once (the servers compared loaded back to back); req/s, p50 and p99 are the medians of the rounds, errors their sum."
echo
echo "| service           | request              | bytes  | c  | req/s    | p50 ms   | p99 ms   | errors | req/s by round             |"
echo "|-------------------|----------------------|--------|----|----------|----------|----------|--------|----------------------------|"
printf '%s\n' "${ROWS[@]}"
echo
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" -v f="$3" 'BEGIN { if (b > 0) printf f, a / b; else printf "n/a" }'; }
echo "The BookStore against this machine's ceiling (RawKestrel GET /, 5000 bytes) and against SeedBookStore (the seed's"
echo "read path rebuilt: MVC controllers, scoped services and repositories, EF Core in-memory; the same data and runtime settings)."
echo "Each ratio is taken within a round, from servers loaded back to back: the median of the rounds (their range):"
echo
echo "| request              | build      | BookStore req/s | share of the ceiling | seed's req/s | BookStore / seed     |"
echo "|----------------------|------------|-----------------|----------------------|--------------|----------------------|"
for path in /api/books /api/categories /api/orders; do
  for build in ReadyToRun "Native AOT"; do
    key="BookStore.Api $path"; [[ "$build" == "Native AOT" ]] && key="BookStore.Api AOT $path"
    [[ -n "${RPS[$key]:-}" ]] || continue
    # Assigned first: a failure inside a command substitution given to printf would only end that subshell.
    to_ceiling=$(round_ratio "$key" "RawKestrel /" 2) || exit 1
    to_seed=$(round_ratio "$key" "SeedBookStore $path" 1 x) || exit 1
    printf '| %-20s | %-10s | %15s | %20s | %12s | %20s |\n' "GET $path" "$build" "${RPS[$key]}" \
      "$to_ceiling" "${RPS["SeedBookStore $path"]:-}" "$to_seed"
  done
done
echo
echo "$PG_NOTE"
echo
echo "Warm-up: 5 s windows until two in a row are within 5% (at most ${WARMUP_MAX} s)."
echo
echo "| service           | request              | warm-up | last req/s | steady |"
echo "|-------------------|----------------------|---------|------------|--------|"
printf '%s\n' "${WARM_ROWS[@]}"
echo
echo "Warm-up of GET /api/books from a fresh process, 2 s windows for ${CURVE_SECONDS} s: req/s in the 1st, 3rd and 5th window; steady = median of the last third;"
echo "90% by = the end of the first window at 90% of steady or more (the images set: ${IMAGE_ENV[*]:-nothing})."
echo
echo "| variant                                  | 0-2 s    | 4-6 s    | 8-10 s   | steady   | 90% by |"
echo "|------------------------------------------|----------|----------|----------|----------|--------|"
printf '%s\n' "${CURVE_ROWS[@]}"
echo
echo "Saturation: GET /prime?n=100000000 from 16 connections for ${DURATION}s (admission: 1 running, 1 waiting), /healthz probed every 20 ms."
echo
echo "| requests | 503 (share) | /healthz probes | failed probes | /healthz p50 ms | /healthz p99 ms |"
echo "|----------|-------------|-----------------|---------------|-----------------|-----------------|"
printf '| %8s | %11s | %15s | %13s | %15s | %15s |\n' "$sat_total" "$sat_non2xx ($(awk -v a="$sat_non2xx" -v b="$sat_total" 'BEGIN {printf "%.0f%%", (b > 0 ? 100 * a / b : 0)}'))" "$probe_n" "$probe_bad" "$probe_p50" "$probe_p99"
echo
echo "The prime sieve, in one process, pinned to CPU 0:"
echo
echo "$SIEVE"
echo
echo "Start to the first /healthz 200 (wall) and the server's CPU time by then, median of $STARTUP_RUNS rounds:"
echo
echo "| service       | publish size, JIT | start to first /healthz 200, JIT | publish size, ReadyToRun | start, ReadyToRun            |"
echo "|---------------|-------------------|----------------------------------|--------------------------|------------------------------|"
for name in "${ORDER[@]}"; do
  printf '| %-13s | %-17s | %-32s | %-24s | %-28s |\n' "$name" "${SIZE[$name]}" "${START_MS[jit $name]:-} ms, ${START_CPU[jit $name]:-} ms CPU" "${SIZE_R2R[$name]}" "${START_MS[r2r $name]:-} ms, ${START_CPU[r2r $name]:-} ms CPU"
done
if (( ${#AOT_ROWS[@]} > 0 )); then printf '%s\n' "${AOT_ROWS[@]}"; fi

# Side by side, one run: start-up against the bare Kestrel app (a Native AOT BookStore aims at a quarter of its JIT
# start, the ReadyToRun build the images make with a monitor at most its ReadyToRun start), memory against the
# seed's implementation (at most half) and the idiomatic minimal API (at most the same).
ratio_to() { if [[ -n "${1:-}" && -n "${2:-}" ]]; then ratio "$1" "$2" '%.2f'; else printf 'n/a'; fi; }
echo
echo "Start-up (process start to the first 200 from /healthz, wall, the server's CPU time and its minor page faults by then;"
echo "medians of $STARTUP_RUNS rounds), then to the first 200 from the API asked right after it (GET /api/books; RawKestrel GET /),"
echo "and memory (VmRSS after ${RSS_SECONDS}s of GET /api/books; RawKestrel GET /), one run. The CPU ratios are the steadier"
echo "ones when other work shares the machine:"
echo
echo "| service           | build      | start ms | CPU ms | faults | first API 200 ms | start / RawKestrel JIT | CPU / RawKestrel JIT | CPU / RawKestrel R2R | RSS MiB | / seed's | / MinimalApi |"
echo "|-------------------|------------|----------|--------|--------|------------------|------------------------|----------------------|----------------------|---------|----------|--------------|"
# side_row <label> <build> <start-up key: "jit|r2r|aot <name>"> [<RSS MiB>]
side_row() {
  local label="$1" build="$2" key="$3" rss="${4:-}"
  local start="${START_MS[$key]:-}" cpu="${START_CPU[$key]:-}" faults="${START_FAULTS[$key]:-}"
  printf '| %-17s | %-10s | %8s | %6s | %6s | %16s | %22s | %20s | %20s | %7s | %8s | %12s |\n' "$label" "$build" "${start:-n/a}" "${cpu:-n/a}" "${faults:-n/a}" "${FIRST_API[$key]:-n/a}" \
    "$(ratio_to "$start" "${START_MS[jit RawKestrel]:-}")" "$(ratio_to "$cpu" "${START_CPU[jit RawKestrel]:-}")" "$(ratio_to "$cpu" "${START_CPU[r2r RawKestrel]:-}")" \
    "${rss:-}" "$(ratio_to "$rss" "${RSS[SeedBookStore]:-}")" "$(ratio_to "$rss" "${RSS[MinimalApi]:-}")"
}
side_row RawKestrel JIT "jit RawKestrel"
side_row RawKestrel ReadyToRun "r2r RawKestrel" "${RSS[RawKestrel]:-}"
side_row RawKestrel "Native AOT" "aot RawKestrel"
side_row MinimalApi ReadyToRun "r2r MinimalApi" "${RSS[MinimalApi]:-}"
side_row SeedBookStore ReadyToRun "r2r SeedBookStore" "${RSS[SeedBookStore]:-}"
side_row BookStore.Api ReadyToRun "r2r BookStore.Api" "${RSS[BookStore.Api]:-}"
side_row BookStore.Api "Native AOT" "aot BookStore.Api" "${RSS[BookStore.Api AOT]:-}"
echo
echo "GET /api/books, req/s (median of $ROUNDS rounds) as a share of the bare Kestrel ceiling, the minimal API's and the seed's,"
echo "each ratio the median of the rounds' (their range):"
echo
echo "| service            | req/s    | / RawKestrel       | / MinimalApi       | / seed's              |"
echo "|--------------------|----------|--------------------|--------------------|-----------------------|"
for name in MinimalApi BookStore.Api "BookStore.Api AOT" SeedBookStore; do
  key="$name /api/books"
  [[ -n "${RPS[$key]:-}" ]] || continue
  to_ceiling=$(round_ratio "$key" "RawKestrel /" 2) || exit 1
  to_minimal=$(round_ratio "$key" "MinimalApi /api/books" 2) || exit 1
  to_seed=$(round_ratio "$key" "SeedBookStore /api/books" 1 x) || exit 1
  printf '| %-18s | %8s | %18s | %18s | %21s |\n' "$name" "${RPS[$key]}" "$to_ceiling" "$to_minimal" "$to_seed"
done

# Fargate's smallest task, 0.25 vCPU / 512 MiB: a service fits when its memory after load is at most half of it (room
# for the GC's growth and bursts). The cost per task-month at that size and at the stacks' default (512 CPU units /
# 1024 MiB, stacks/settings.ts) comes from the stacks' own price table (model/pricing.ts, compiled: PRICING above).
echo
echo "Fargate's smallest task (256 CPU units / 512 MiB), for a service whose memory after load is at most 256 MiB:"
echo
for label in "BookStore.Api AOT" BookStore.Api MinimalApi SeedBookStore; do
  rss="${RSS[$label]:-}"
  [[ -n "$rss" ]] || continue
  if (( rss <= 256 )); then fits="fits ($rss MiB)"; else fits="does not fit ($rss MiB)"; fi
  echo "- $label: $fits"
done
node -e '
  const { taskHourUsd, HOURS_PER_MONTH } = require(process.argv[1]);
  for (const arch of ["arm64", "amd64"]) {
    const month = (cpu, memory) => (taskHourUsd(arch, { cpu, memory }) * HOURS_PER_MONTH).toFixed(2);
    console.log(`- ${arch}: $${month(256, 512)} per task-month at 256/512 against $${month(512, 1024)} at the default 512/1024`);
  }' "$PRICING"
