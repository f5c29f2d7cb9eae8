#!/usr/bin/env bash
# `npm run bench:services`: figures, not a pass/fail test.
# Builds the services and a raw Kestrel baseline in Release (the publish step keeps its
# intermediate files in a temp dir, so the work tree's obj/ folders are left alone), then for each one:
#   - publish size (framework-dependent publish for linux-x64, as the Dockerfiles publish);
#   - time from process start to the first 200 from /healthz;
#   - wrk load on loopback, server pinned to CPU 0 (taskset -c 0), wrk pinned to CPU 1 (taskset -c 1):
#     requests/s and p50/p99 latency for GET /api/books, /api/categories, /api/orders and /prime,
#     next to the raw Kestrel endpoint that returns a constant 5000-byte body (this machine's ceiling).
# Before measuring a service, every one of its endpoints is warmed up (so tiered JIT has settled
# and the first endpoint measured is not penalised).
# Settings (environment): BENCH_DURATION (s per endpoint, default 10), BENCH_WARMUP (s per endpoint, default 5),
# BENCH_CONNECTIONS (default 32), BENCH_PRIME_CONNECTIONS (default 2: /prime is ~50 ms of CPU),
# BENCH_STARTUP_RUNS (default 3, the median is printed).
# Needs: dotnet, wrk (apt-get install -y wrk), taskset (util-linux), curl, and 2 CPUs.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
SERVICES="$ROOT/services"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PRIME_CONNECTIONS="${BENCH_PRIME_CONNECTIONS:-2}"
STARTUP_RUNS="${BENCH_STARTUP_RUNS:-3}"

fail() { echo "bench:services: $*" >&2; exit 1; }
command -v wrk >/dev/null || fail "wrk is not installed (Debian: apt-get install -y wrk)."
for tool in dotnet taskset curl awk; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed."
done
(( $(nproc) >= 2 )) || fail "needs 2 CPUs (server on CPU 0, load generator on CPU 1); this machine has $(nproc)."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-services.XXXXXX")"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

echo "Building (Release)..." >&2
timeout 900 dotnet build "$SERVICES/DotnetFargate.slnx" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "building the services failed."; }
timeout 600 dotnet build "$SCRIPT_DIR/RawKestrel/RawKestrel.csproj" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "building RawKestrel failed."; }

declare -A DLL=(
  [RawKestrel]="$SCRIPT_DIR/RawKestrel/bin/Release/net10.0/RawKestrel.dll"
  [BookStore.Api]="$SERVICES/BookStore.Api/bin/Release/net10.0/BookStore.Api.dll"
  [Prime.Api]="$SERVICES/Prime.Api/bin/Release/net10.0/Prime.Api.dll"
  [Profiling.Api]="$SERVICES/Profiling.Api/bin/Release/net10.0/Profiling.Api.dll"
)
declare -A PROJ=(
  [RawKestrel]="$SCRIPT_DIR/RawKestrel/RawKestrel.csproj"
  [BookStore.Api]="$SERVICES/BookStore.Api/BookStore.Api.csproj"
  [Prime.Api]="$SERVICES/Prime.Api/Prime.Api.csproj"
  [Profiling.Api]="$SERVICES/Profiling.Api/Profiling.Api.csproj"
)
ORDER=(RawKestrel BookStore.Api Prime.Api Profiling.Api)

# Starts a service pinned to CPU 0 on a free loopback port; sets SERVER_URL and STARTUP_MS
# (process start to the first 200 from /healthz).
start_server() {
  local name="$1" log="$WORK/$1.log" start url="" deadline
  start=$(now_ms)
  ASPNETCORE_ENVIRONMENT=Production taskset -c 0 dotnet "${DLL[$name]}" --urls http://127.0.0.1:0 >"$log" 2>&1 &
  SERVER_PID=$!
  deadline=$((start + 60000))
  while :; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "$name exited during start-up."; }
    (( $(now_ms) < deadline )) || fail "$name did not answer /healthz within 60 s."
    if [[ -z "$url" ]]; then
      url="$(grep -o 'Now listening on: http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 | sed 's/^Now listening on: //' || true)"
    fi
    if [[ -n "$url" ]] && [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" || true)" == "200" ]]; then
      break
    fi
    sleep 0.005
  done
  STARTUP_MS=$(( $(now_ms) - start ))
  SERVER_URL="$url"
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

warm() {
  local path="$1" conns="$2"
  timeout $((WARMUP + 30)) taskset -c 1 wrk -t1 -c"$conns" -d"${WARMUP}s" --timeout 10s "$SERVER_URL$path" >/dev/null
}

ROWS=()
load() {
  local name="$1" path="$2" conns="$3" out bytes rps p50 p99 errors
  bytes="$(curl -s -o /dev/null -w '%{size_download}' "$SERVER_URL$path")"
  out="$(timeout $((DURATION + 30)) taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s --latency "$SERVER_URL$path")"
  rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  errors="$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0} END {print n + 0}' <<<"$out")"
  ROWS+=("$(printf '| %-13s | %-20s | %6s | %2s | %8s | %8s | %8s | %6s |' "$name" "GET $path" "$bytes" "$conns" "$rps" "$p50" "$p99" "$errors")")
  echo "  $name GET $path: $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
}

declare -A SIZE STARTUP
for name in "${ORDER[@]}"; do
  echo "Publishing $name (-a x64, framework-dependent)..." >&2
  timeout 600 dotnet publish "${PROJ[$name]}" -c Release -a x64 -nologo -v quiet \
    --artifacts-path "$WORK/artifacts" -o "$WORK/publish/$name" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; fail "publishing $name failed."; }
  SIZE[$name]="$(du -sk "$WORK/publish/$name" | awk '{printf "%.1f MiB", $1 / 1024}')"

  times=()
  for _ in $(seq 1 "$STARTUP_RUNS"); do
    start_server "$name"
    times+=("$STARTUP_MS")
    stop_server
  done
  STARTUP[$name]="$(printf '%s\n' "${times[@]}" | median)"
done

for name in RawKestrel BookStore.Api Prime.Api; do
  start_server "$name"
  echo "Loading $name at $SERVER_URL..." >&2
  case "$name" in
    RawKestrel) paths=(/); conns="$CONNECTIONS" ;;
    BookStore.Api) paths=(/api/books /api/categories /api/orders); conns="$CONNECTIONS" ;;
    Prime.Api) paths=(/prime); conns="$PRIME_CONNECTIONS" ;;
  esac
  for path in "${paths[@]}"; do warm "$path" "$conns"; done
  for path in "${paths[@]}"; do load "$name" "$path" "$conns"; done
  stop_server
done

cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo
echo "Machine: $(nproc) CPUs (${cpu:-unknown CPU}), $(uname -sr); .NET $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
echo "Server pinned to CPU 0, wrk pinned to CPU 1; wrk -t1 -c<conns> -d${DURATION}s --latency, after ${WARMUP}s of warm-up on each of the service's endpoints; loopback HTTP/1.1 keep-alive."
echo
echo "| service       | request              | bytes  | c  | req/s    | p50 ms   | p99 ms   | errors |"
echo "|---------------|----------------------|--------|----|----------|----------|----------|--------|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| service       | publish size (linux-x64, framework-dependent) | start to first /healthz 200 (median of $STARTUP_RUNS) |"
echo "|---------------|------------------------------------------------|------------------------------|"
for name in "${ORDER[@]}"; do
  printf '| %-13s | %-46s | %-28s |\n' "$name" "${SIZE[$name]}" "${STARTUP[$name]} ms"
done
