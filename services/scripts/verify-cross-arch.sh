#!/usr/bin/env bash
# Proves, without a Docker engine, that the services' Dockerfiles cross-compile:
#   1. lays out each image's own build context as the program does for a deploy (stacks/image-build.ts, with
#      the compiled bin/infra/image-context.js: run `npm run build` first), in a temp dir;
#   2. runs each service's Dockerfile's own build stages (run_stages below: FROM, ARG, WORKDIR, COPY and RUN read from
#      the Dockerfile the staged context carries, the one services/services.json names: services/Dockerfile,
#      ReadyToRun, or services/Dockerfile.aot, Native AOT), each stage in a folder of its own, with $PROJECT set to
#      the project file and $TARGETARCH to amd64 and then arm64, exactly as BuildKit passes them (the .NET CLI reads
#      amd64 as x64): so the restore runs on the projects stage's files alone and the publish (--no-restore) after
#      the sources arrive, as in the image. It checks the machine type of each entry point (ELF x86-64 and ELF
#      AArch64); for ReadyToRun, that the service's own dll is ReadyToRun code for that architecture (its PE machine
#      field; crossgen2 runs on this x64 host for both targets); for Native AOT, that no dll is left and that the
#      binary is linked as its project asks (aot_layout: fixed-address or not, dehydrated or not). A service whose
#      registry entry names another monitoredDockerfile is built with that one too (as "<project>-monitored"): the
#      program builds it that way when a dotnet-monitor sidecar watches it (stacks/program.ts deployService).
#      Dockerfile.aot's toolchain RUN line installs the cross toolchain in the image; here the host has it
#      (.ci/run installs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross), so that line is not run.
#      The builds run two at a time (VERIFY_PARALLEL), with the tests' Release build and step 3's publishes;
#   2b. runs the amd64 BookStore with the root filesystem read-only and a tmpfs /tmp (as in the task);
#   2c. runs the BookStore's tests that Native AOT could break against the amd64 Native AOT binary (see there);
#   2d. checks that the amd64 Native AOT BookStore and Prime build no generic type at run time before their first 200
#       from their smoke path (services.json)
#       (aot-runtime-generics.sh, under gdb: the types Shared/ServiceDefaults.rd.xml names);
#   3. starts the arm64 Native AOT Prime API (step 2's output, as the image holds it) under qemu-user-static
#      and checks GET /healthz -> 200 and GET /prime?n=1000000 -> 78498; then the arm64 Native AOT BookStore
#      (step 2's output) and checks GET /api/books -> 200 with the seed's 15 books; then an arm64 ReadyToRun BookStore
#      (its monitored build),
#      self-contained (runtime packs from NuGet: a framework-dependent arm64 app needs an arm64 .NET
#      runtime, which this x64 machine has not), and checks GET /api/books -> 200 with the seed's 15 books;
#      then a user's own project (test/fixtures/echo) the same way: GET /healthz -> 200, GET /echo/arm64 -> arm64.
# Both need an arm64 C/C++ runtime: libc6, libgcc-s1 and libstdc++6 for arm64 are downloaded from the
# configured Debian mirror into a private cache (the system's dpkg is untouched). Under qemu the JIT'd app
# starts without special settings; DOTNET_EnableWriteXorExecute=0 only saves the W^X double mapping of
# JIT'd code (measured here: /healthz up in ~13 s instead of ~16 s; the first, cold run took ~31 s).
#
# Needs: dotnet, curl, file, readelf and nm (binutils), gdb, qemu-aarch64-static (apt-get install -y qemu-user-static file), and for Native
# AOT clang, plus gcc-aarch64-linux-gnu and libc6-dev-arm64-cross on an x64 host.
# Takes about 12 minutes on 2 cores that other work also loads (the six Native AOT publishes, half of it). Usage:
#   services/scripts/verify-cross-arch.sh                 everything (from anywhere)
#   VERIFY_WORK=<dir> verify-cross-arch.sh --builds-only  only the Dockerfile builds and self-contained publishes,
#                                                         kept in <dir>; .ci/run starts this at idle priority
#                                                         beside the other tests, which leave a core idle most of the time
#   VERIFY_WORK=<dir> verify-cross-arch.sh                the rest, on the builds in <dir> (waits for them to finish)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICES="$(cd "$SCRIPT_DIR/.." && pwd)"
# The projects and their Dockerfiles, "<project> <Dockerfile> <Dockerfile when a monitor watches it>", read from the
# registry by the program's own reader (tools/services-registry.ts: model/catalog.ts loadRegistry's checks and defaults).
REGISTRY_JS="$SERVICES/../bin/tools/services-registry.js"
[[ -f "$REGISTRY_JS" ]] || { echo "verify-cross-arch: $REGISTRY_JS is missing: run 'npm run build' first." >&2; exit 1; }
REGISTRY="$(node "$REGISTRY_JS" "$SERVICES/services.json")" || exit 1
PROJECTS=(); [[ -z "$REGISTRY" ]] || mapfile -t PROJECTS <<<"$REGISTRY"
[[ ${#PROJECTS[@]} -gt 0 ]] || { echo "verify-cross-arch: no projects in $SERVICES/services.json" >&2; exit 1; }
QEMU_START_TIMEOUT="${QEMU_START_TIMEOUT:-240}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/dotnet-fargate"
SYSROOT="$CACHE/arm64-sysroot"

fail() { echo "verify-cross-arch: FAIL: $*" >&2; exit 1; }
# Each step's header carries the seconds since the start, so a slow step shows in CI's log.
step() { echo "==> [$(( $(date +%s) - started ))s] $*"; }
for tool in dotnet curl file readelf nm gdb tar node; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed."
done
command -v qemu-aarch64-static >/dev/null \
  || fail "qemu-aarch64-static is not installed: apt-get install -y qemu-user-static file"

BUILDS_ONLY=""
case "${1:-}" in
  --builds-only) BUILDS_ONLY=yes; [[ -n "${VERIFY_WORK:-}" ]] || fail "--builds-only needs VERIFY_WORK: the folder the later run reads" ;;
  "") ;;
  *) fail "unknown argument '$1' (expected none or --builds-only)" ;;
esac
WORK="${VERIFY_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/verify-cross-arch.XXXXXX")}"
# A builds-only run has been here: its contexts and builds are used as they are (or as they will be, once it ends).
REUSE=""
[[ -z "$BUILDS_ONLY" && -n "${VERIFY_WORK:-}" && -d "$WORK/logs" ]] && REUSE=yes
mkdir -p "$WORK"
QEMU_PID=""
# Long steps run with `waited`, and the exit stops whatever still runs (the file says why).
# shellcheck source=services/scripts/interruptible.sh
source "$SCRIPT_DIR/interruptible.sh"
cleanup() {
  if [[ -n "$QEMU_PID" ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  stop_descendants
  # A builds-only run leaves its outputs for the run that checks them; that run removes them.
  if [[ -n "$BUILDS_ONLY" ]]; then touch "$WORK/builds.finished"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)

# 1. Each image's build context, laid out by the same code as for a deploy: what the image is built from, and
#    nothing else (a file the context lacks fails here as it would in BuildKit).
STAGE_JS="$SERVICES/../bin/infra/image-context.js"
[[ -f "$STAGE_JS" ]] || fail "$STAGE_JS is missing: run 'npm run build' first."
# Usage: stage <source context> <project folder> <Dockerfile> <out>; prints the staged Dockerfile.
stage() {
  node -e '
    const { stageImageContext } = require(process.argv[1]);
    const [sourceContext, project, dockerfile, bundle, stageDir] = process.argv.slice(2);
    const carried = { "rds-global-bundle.pem": bundle };
    console.log(stageImageContext({ sourceContext, project, dockerfile, carried, stageDir, buildArgs: {}, platform: "" }).dockerfile);
  ' "$STAGE_JS" "$1" "$2" "$3" "$SERVICES/certs/rds-global-bundle.pem" "$4"
}

# 2. Each Dockerfile's build stages, per target architecture.
declare -A EXPECT=([amd64]="x86-64" [arm64]="ARM aarch64")
# A ReadyToRun image's PE machine is the architecture's (0x8664, 0xAA64) XOR-ed with the OS's (Linux 0x7B79);
# an IL-only assembly says 0x014C. dotnet/runtime: docs/design/coreclr/botr/readytorun-format.md.
declare -A R2R_MACHINE=([amd64]="fd1d" [arm64]="d11d")
case "$(uname -m)" in x86_64) BUILDARCH=amd64 ;; aarch64) BUILDARCH=arm64 ;; *) fail "no BUILDARCH for $(uname -m)" ;; esac
pe_machine() {
  local file="$1" offset
  offset=$(od -An -t u4 -j 60 -N 4 "$file" | tr -d ' ')
  od -An -t x2 -j $((offset + 4)) -N 2 "$file" | tr -d ' '
}
# A Dockerfile's instructions, one a line: comments and blank lines dropped, continuation lines joined.
instructions() { awk '/^[[:space:]]*#/ || /^[[:space:]]*$/ {next} { if (sub(/\\$/, "")) { held = held $0; next } print held $0; held = "" }' "$1"; }

# Runs a Dockerfile's stages before its last (the runtime image, which needs an engine) as BuildKit would, each in a
# folder of its own under ROOT: FROM starts a stage, ARG declares what its RUN lines see (TARGETARCH, BUILDARCH,
# PROJECT, or the default), WORKDIR, `COPY . .` (the context), `COPY --from=<stage> <dir> .`, and RUN under sh in the
# working folder with /app and /diag read as OUT and OUT.diag. Any other instruction fails: it would need emulating.
# A RUN that installs the cross toolchain (`if [ "$TARGETARCH" != "$BUILDARCH" ]`) is left out: the host has it
# (.ci/run installs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross). Prints the build stage's working folder.
# Usage: run_stages <context> <Dockerfile> <project folder> <arch> <out> <root>
run_stages() {
  local context="$1" dockerfile="$2" project="$3" arch="$4" out="$5" root="$6"
  local stages stage="" n=0 cwd="" op rest name cmd declared=()
  local -A given=([TARGETARCH]="$arch" [BUILDARCH]="$BUILDARCH" [PROJECT]="$project/$project.csproj")
  stages="$(grep -c '^FROM ' "$dockerfile")"
  while IFS= read -r line; do
    op="${line%% *}"; rest="${line#* }"
    case "$op" in
      FROM)
        n=$((n + 1)); (( n < stages )) || break
        stage="$(sed -nE 's/.* AS ([A-Za-z0-9_-]+)$/\1/p' <<<"$rest")"
        [[ -n "$stage" ]] || { echo "$dockerfile: a build stage without a name: $line" >&2; return 1; }
        cwd="$root/$stage"; declared=(); mkdir -p "$cwd" ;;
      ARG)
        [[ -n "$stage" ]] || continue  # before the first FROM: for FROM lines only
        name="${rest%%=*}"
        if [[ -n "${given[$name]:-}" ]]; then declared+=("$name=${given[$name]}")
        elif [[ "$rest" == *=* ]]; then declared+=("$rest")
        else echo "$dockerfile: no value for ARG $name" >&2; return 1; fi ;;
      WORKDIR) cwd="$root/$stage$rest"; mkdir -p "$cwd" ;;
      COPY)
        if [[ "$rest" == ". ." ]]; then cp -a "$context/." "$cwd/"
        elif [[ "$rest" =~ ^--from=([A-Za-z0-9_-]+)\ (/[^ ]*)\ \.$ ]]; then cp -a "$root/${BASH_REMATCH[1]}${BASH_REMATCH[2]}/." "$cwd/"
        else echo "$dockerfile: cannot emulate COPY $rest in stage $stage" >&2; return 1; fi ;;
      RUN)
        [[ "$rest" != 'if [ "$TARGETARCH" != "$BUILDARCH" ]'* ]] || continue
        cmd="${rest//\/app/$out}"; cmd="${cmd//\/diag/$out.diag}"
        echo "    [$stage] $cmd" >&2
        (cd "$cwd" && env "${declared[@]}" timeout 900 sh -c "$cmd") >&2 || { echo "$dockerfile: '$cmd' failed" >&2; return 1; }
        ;;
      *) echo "$dockerfile: cannot emulate $op in stage $stage" >&2; return 1 ;;
    esac
  done < <(instructions "$dockerfile")
  echo "$cwd"
}

# A Native AOT binary's ELF type and sections against its project's PositionIndependentExecutable and IlcDehydrate
# ("" when unset: the compiler's defaults, a position-independent executable with a .hydrated section).
# Usage: aot_layout <PositionIndependentExecutable> <IlcDehydrate> <binary> <job>
aot_layout() {
  local pie="$1" dehydrate="$2" type hydrated=no
  type="$(readelf -h "$3" | awk '$1 == "Type:" {print $2}')"
  readelf -S -W "$3" | grep -q ' \.hydrated ' && hydrated=yes
  [[ "$type" == "$([[ "$pie" == false ]] && echo EXEC || echo DYN)" ]] \
    || { echo "$4: the binary's ELF type is $type, and its project sets PositionIndependentExecutable='$pie'." >&2; return 1; }
  [[ "$hydrated" == "$([[ "$dehydrate" == false ]] && echo no || echo yes)" ]] \
    || { echo "$4: the binary has a .hydrated section: $hydrated, and its project sets IlcDehydrate='$dehydrate'." >&2; return 1; }
}

# One property from `dotnet msbuild -getProperty:A -getProperty:B` output ($1), empty when the project leaves it unset.
json_property() { node -e 'process.stdout.write(JSON.parse(process.argv[1]).Properties[process.argv[2]] ?? "")' "$1" "$2"; }

# One job: a Dockerfile's build stages for one project and architecture, then what its output must be. Writes its
# log to $WORK/logs/<job>.log and, when every check passed, its verdict to $WORK/logs/<job>.ok.
# Usage: build_job <context> <project folder> <Dockerfile> <label> <variant or -> <arch>
build_job() {
  local context="$1" project="$2" dockerfile="$3" label="$4" variant="${5#-}" arch="$6"
  local job="$project${variant:+-$variant}-$arch" out src kind machine assembly props aot=""
  out="$WORK/out/$job"
  grep -qE '^RUN dotnet publish .*-p:PublishAot=true' "$dockerfile" && aot=yes
  {
    step "$project, TARGETARCH=$arch ($label)"
    src="$(run_stages "$context" "$dockerfile" "$project" "$arch" "$out" "$WORK/stages/$job")" || return 1
    # One evaluation of the project for the three properties the checks need (msbuild prints them as JSON).
    props="$(cd "$src" && dotnet msbuild "$project/$project.csproj" -getProperty:AssemblyName \
      -getProperty:PositionIndependentExecutable -getProperty:IlcDehydrate)"
    assembly="$(json_property "$props" AssemblyName)"
    [[ -f "$out/service" ]] || { echo "$job: no entry point (service) in the publish output." >&2; return 1; }
    kind="$(file -b "$out/service")"
    [[ "$kind" == *"ELF 64-bit"*"${EXPECT[$arch]}"* ]] || { echo "$job: the entry point is '$kind', expected ELF ${EXPECT[$arch]}." >&2; return 1; }
    if [[ -n "$aot" ]]; then
      [[ ! -e "$out/$assembly.dll" && ! -e "$out/service.dbg" ]] \
        || { echo "$job: a Native AOT publish should hold the binary alone, found $(ls "$out" | tr '\n' ' ')." >&2; return 1; }
      # The binary is linked as the project asks (services/Directory.Build.props says why ours are not
      # position-independent and keep their data undehydrated), for both architectures' linkers alike.
      aot_layout "$(json_property "$props" PositionIndependentExecutable)" "$(json_property "$props" IlcDehydrate)" \
        "$out/service" "$job" || return 1
      printf '    OK  %s/%s: %s; Native AOT, %s\n' "$project" "$arch" "${kind%%, BuildID*}" "$(du -h "$out/service" | cut -f1)" >"$WORK/logs/$job.ok"
    else
      [[ -f "$out/$assembly.dll" ]] || { echo "$job: no $assembly.dll in the publish output." >&2; return 1; }
      machine="$(pe_machine "$out/$assembly.dll")"
      [[ "$machine" == "${R2R_MACHINE[$arch]}" ]] \
        || { echo "$job: $assembly.dll has PE machine 0x$machine, expected ReadyToRun code for $arch (0x${R2R_MACHINE[$arch]})." >&2; return 1; }
      printf '    OK  %s/%s: %s; ReadyToRun dll (PE machine 0x%s)\n' "$project" "$arch" "${kind%%, BuildID*}" "$machine" >"$WORK/logs/$job.ok"
    fi
  } >"$WORK/logs/$job.log" 2>&1
}

# The jobs, as "<context> <project> <Dockerfile> <label> <variant>" (one per architecture each). A run that checks a
# builds-only run's outputs reads that run's list (written before its builds start) instead of staging again.
JOBS=()
add_jobs() { local arch; for arch in amd64 arm64; do JOBS+=("$* $arch"); done; }
stage_jobs() {
  local entry project dockerfile
  for entry in "${PROJECTS[@]}"; do
    read -r project plain monitored _ <<<"$entry"
    dockerfile="$(stage "$SERVICES" "$project" "$SERVICES/$plain" "$WORK/contexts/$project")"
    add_jobs "$WORK/contexts/$project" "$project" "$dockerfile" "$plain" -
    if [[ "$monitored" != "$plain" ]]; then
      # The program builds the service with its monitoredDockerfile when a dotnet-monitor sidecar watches it.
      dockerfile="$(stage "$SERVICES" "$project" "$SERVICES/$monitored" "$WORK/contexts/$project-monitored")"
      add_jobs "$WORK/contexts/$project-monitored" "$project" "$dockerfile" "$monitored-with-a-monitor" monitored
    fi
  done
  # A user's own project outside services/, built by the same Dockerfile from a context laid out from its own
  # folder (the stacks take it through config: test/user-service.test.ts).
  dockerfile="$(stage "$SERVICES/../test/fixtures/echo" Echo.Api "$SERVICES/Dockerfile" "$WORK/contexts/Echo.Api")"
  add_jobs "$WORK/contexts/Echo.Api" Echo.Api "$dockerfile" Dockerfile -
  # The TaskInfo container every task runs (stacks/task-info.ts), Native AOT as its image is built.
  dockerfile="$(stage "$SERVICES" TaskInfo "$SERVICES/Dockerfile.aot" "$WORK/contexts/TaskInfo")"
  add_jobs "$WORK/contexts/TaskInfo" TaskInfo "$dockerfile" Dockerfile.aot -
}
if [[ -n "$REUSE" ]]; then
  for _ in $(seq 1 600); do [[ -f "$WORK/jobs" ]] && break; sleep 0.1; done
  [[ -f "$WORK/jobs" ]] || fail "the builds-only run in $WORK wrote no job list ($WORK/jobs) within a minute."
  mapfile -t JOBS <"$WORK/jobs"
else
  mkdir -p "$WORK/logs"
  stage_jobs
  printf '%s\n' "${JOBS[@]}" >"$WORK/jobs.partial" && mv "$WORK/jobs.partial" "$WORK/jobs"
fi

# Two jobs at a time on the machine's cores: a publish has serial stretches (restore, evaluation, the native link)
# that the other fills. Besides them, the tests' Release build (step 2c), and the self-contained arm64 publishes
# that step 3 runs under qemu.
TESTS="$SERVICES/tests/DotnetFargate.Tests/DotnetFargate.Tests.csproj"
build_tests() { timeout 900 dotnet build "$TESTS" -c Release -nologo -v quiet >"$WORK/logs/tests.log" 2>&1 && touch "$WORK/logs/tests.ok"; }
# A self-contained ReadyToRun arm64 publish (runtime packs from NuGet: a framework-dependent arm64 app needs an arm64
# .NET runtime, which this x64 machine has not), from a copy of the context as the monitored build stages it.
self_contained() {
  local context="$1" project="$2" out="$WORK/out/$2-arm64-self-contained" copy="$WORK/stages/$2-self-contained"
  mkdir -p "$copy" && cp -a "$context/." "$copy/"
  (cd "$copy" && timeout 600 dotnet publish "$project/$project.csproj" -c Release -a arm64 -p:PublishReadyToRun=true --self-contained \
    -o "$out" -nologo -v quiet) >"$WORK/logs/$project-self-contained.log" 2>&1 && touch "$WORK/logs/$project-self-contained.ok"
}
PARALLEL="${VERIFY_PARALLEL:-2}"
builds_started=$(date +%s)
# The builds write only under $WORK (staged contexts); the tests' build writes the repository's bin/ and obj/, so a
# builds-only run beside the tests leaves it to the later run.
run_pool() {
  local job context project dockerfile label variant arch
  for job in "$@"; do
    while (( $(jobs -rp | wc -l) >= PARALLEL )); do wait -n || true; done
    case "$job" in
      tests) build_tests & ;;
      self-contained*) read -r _ context project <<<"$job"; self_contained "$context" "$project" & ;;
      *) read -r context project dockerfile label variant arch <<<"$job"; build_job "$context" "$project" "$dockerfile" "${label//-/ }" "$variant" "$arch" & ;;
    esac
  done
  wait
}
BUILDS=("${JOBS[@]}" "self-contained $WORK/contexts/BookStore.Api-monitored BookStore.Api" "self-contained $WORK/contexts/Echo.Api Echo.Api")
if [[ -n "$BUILDS_ONLY" ]]; then
  step "${#JOBS[@]} Dockerfile builds and two self-contained arm64 publishes, $PARALLEL at a time, into $WORK"
  # Their own compiler and build nodes: a shared server started here would serve the foreground builds at this priority.
  export DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDDISABLENODEREUSE=1 UseSharedCompilation=false
  run_pool "${BUILDS[@]}"
  echo "    builds took $(( $(date +%s) - builds_started ))s"
  exit 0
elif [[ -n "$REUSE" ]]; then
  step "the tests' build; the Dockerfile builds come from the builds-only run in $WORK (waiting for it to finish)"
  run_pool tests
  for _ in $(seq 1 1800); do [[ -f "$WORK/builds.finished" ]] && break; sleep 1; done
  [[ -f "$WORK/builds.finished" ]] || fail "the builds-only run in $WORK did not finish within 30 minutes."
else
  step "${#JOBS[@]} Dockerfile builds, the tests' build and two self-contained arm64 publishes, $PARALLEL at a time"
  run_pool "${BUILDS[@]}" tests
fi
for job in "${JOBS[@]}"; do
  read -r _ project _ _ variant arch <<<"$job"
  name="$project$([[ "$variant" == - ]] || echo "-$variant")-$arch"
  if [[ -f "$WORK/logs/$name.ok" ]]; then sed -n 1,3p "$WORK/logs/$name.log" | grep -F '==>' ; cat "$WORK/logs/$name.ok"
  else cat "$WORK/logs/$name.log" >&2; fail "$name: the Dockerfile's build failed or its output is wrong (above)."; fi
done
for part in tests BookStore.Api-self-contained Echo.Api-self-contained; do
  [[ -f "$WORK/logs/$part.ok" ]] || { cat "$WORK/logs/$part.log" >&2; fail "$part failed (above)."; }
done
echo "    builds took $(( $(date +%s) - builds_started ))s"

# 2b. The container's posture: the amd64 BookStore runs with a read-only root filesystem and only
#     /tmp writable (as the ECS task mounts it). Needs root for a private mount namespace
#     (unshare -m); skipped with a note otherwise.
if [[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null && [[ -d /mnt ]]; then
  step "BookStore.Api (amd64) on a read-only root filesystem with a tmpfs /tmp"
  ro_log="$WORK/readonly.log"
  ro_app="$WORK/out/BookStore.Api-amd64"
  # shellcheck disable=SC2016
  waited timeout 90 unshare -m --propagation private sh -c '
    set -e
    mount --bind "$1" /mnt
    mount -o remount,bind,ro /
    mount -o remount,bind,ro /mnt
    mount -t tmpfs -o size=64m tmpfs /tmp
    if touch /.write-test 2>/dev/null; then echo "root is writable" >&2; exit 3; fi
    cd /mnt
    ./service --urls http://127.0.0.1:0 >/tmp/app.log 2>&1 &
    app=$!
    url=""
    for _ in $(seq 1 300); do
      url="$(grep -o "Now listening on: http://127\.0\.0\.1:[0-9]*" /tmp/app.log | head -n1 | sed "s/^Now listening on: //" || true)"
      [ -n "$url" ] && break
      sleep 0.1
    done
    [ -n "$url" ] || { cat /tmp/app.log >&2; kill $app; exit 4; }
    health=$(curl -s -o /dev/null -w "%{http_code}" --max-time 10 "$url/healthz")
    created=$(curl -s -o /dev/null -w "%{http_code}" --max-time 10 -X POST -H "Content-Type: application/json" \
      -d "{\"name\":\"Read-only check\"}" "$url/api/categories")
    kill -TERM $app; wait $app || true
    echo "healthz=$health post=$created tmp=$(ls /tmp | tr "\n" " ")"
    [ "$health" = 200 ] && [ "$created" = 201 ]
  ' sh "$ro_app" >"$ro_log" 2>&1 || { cat "$ro_log" >&2; fail "BookStore.Api did not run on a read-only root filesystem."; }
  echo "    OK  $(tail -n1 "$ro_log")"
else
  step "read-only root filesystem check skipped (needs root and unshare)"
fi

# 2c. The image's BookStore (the amd64 Native AOT binary, step 2's output) through the BookStore's own tests, as
#     services/tests run them on the JIT build: the API's conformance, the seed data, the PostgreSQL store (its
#     start-up, TLS) and shutdown. The tests start their own PostgreSQL when none is given.
step "BookStore.Api (amd64, Native AOT as the image holds it) through the BookStore's tests"
mkdir -p "$WORK/published/BookStore.Api"
cp -r "$WORK/out/BookStore.Api-amd64/." "$WORK/published/BookStore.Api/"
mv "$WORK/published/BookStore.Api/service" "$WORK/published/BookStore.Api/BookStore.Api"
# What differs under Native AOT is what trimming and ahead-of-time compilation can break: every request and response
# body's JSON (source-generated), problem+json, Npgsql, TLS, the seed file, signals. The conformance classes run on
# PostgreSQL only: they send every body the in-memory run sends, through Npgsql too; the in-memory store is plain
# collections, whose logic the JIT run (test.sh) tests and whose seed SeedDataTests reads under AOT on both stores.
filter="$(printf 'FullyQualifiedName~%s|' BookTestsOnPostgres CategoryTestsOnPostgres InventoryTestsOnPostgres OrderTestsOnPostgres \
  ErrorHandlingTestsOnPostgres StrictInputTestsOnPostgres ResponseLengthTestsOnPostgres SeedDataTests PostgresStoreTests DatabaseTlsTests ShutdownTests)"
waited env SERVICES_TEST_PUBLISHED="$WORK/published" timeout 900 dotnet test "$TESTS" -c Release --no-build -nologo --filter "${filter%|}" \
  >"$WORK/aot-tests.log" 2>&1 || { tail -n 80 "$WORK/aot-tests.log" >&2; fail "the Native AOT BookStore failed its tests."; }
echo "    OK  $(grep -E 'Passed!|Failed!' "$WORK/aot-tests.log" | sed 's/ - DotnetFargate.Tests.dll.*//')"

# 2d. The generic types a ServiceDefaults service's start asks for are generated ahead of time (Shared/ServiceDefaults.rd.xml
#     says why): under gdb, with the ENV lines of services/Dockerfile.aot (image-env.sh, as bench/services/run.sh reads
#     the images'), the type loader of every Native AOT service whose project names an rd.xml must build none before the
#     first 200 from its smoke path (services.json), which comes after the route table is built (liveness is answered
#     ahead of routing). The symbols are the .dbg each publish wrote in its stage's build output (the image leaves it out; the
#     binaries are fixed-address, so its addresses are the image binary's).
mapfile -t AOT_ENV < <("$SCRIPT_DIR/image-env.sh" "$SERVICES/Dockerfile.aot")
for entry in "${PROJECTS[@]}"; do
  read -r aot_project aot_dockerfile _ aot_smoke <<<"$entry"
  [[ "$aot_dockerfile" == Dockerfile.aot ]] && grep -q '<RdXmlFile ' "$SERVICES/$aot_project/$aot_project.csproj" || continue
  step "$aot_project (amd64, Native AOT): no generic type built at run time before its first $aot_smoke 200"
  aot_dbg="$(find "$WORK/stages/$aot_project-amd64" -path "*/native/$aot_project.dbg" -print -quit)"
  [[ -n "$aot_dbg" ]] || fail "no $aot_project.dbg in $WORK/stages/$aot_project-amd64 (the Native AOT publish's symbols)."
  if ! waited env "${AOT_ENV[@]}" \
    "$SCRIPT_DIR/aot-runtime-generics.sh" "$WORK/out/$aot_project-amd64/service" "$aot_dbg" "$aot_smoke" >"$WORK/aot-generics-$aot_project.log" 2>&1; then
    cat "$WORK/aot-generics-$aot_project.log" >&2
    fail "the Native AOT $aot_project built the generic types above at run time (or the check could not run): add them to services/Shared/ServiceDefaults.rd.xml, or to an rd.xml of the project's own (ServiceDefaults.rd.xml's header says how)."
  fi
  echo "    OK  none built"
done

# 3. The arm64 Prime API under qemu-user-static.
if [[ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ]]; then
  step "fetching the arm64 C runtime (libc6, libgcc-s1, libstdc++6) into $SYSROOT"
  apt_dir="$WORK/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$SYSROOT.tmp"
  touch "$apt_dir/status"
  apt_opts=(-q -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "Dir::State::status=$apt_dir/status" -o APT::Architecture=arm64 -o APT::Architectures::=arm64
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  # Debian's mirrors carry every architecture, so the configured sources serve arm64. Ubuntu's archive carries
  # amd64 and i386 only (the pipelines' hosted agents): arm64 is on ports.ubuntu.com, as services/Dockerfile.aot
  # installs it for the image.
  read -r os_id os_codename < <(. /etc/os-release && echo "${ID:-} ${VERSION_CODENAME:-}")
  if [[ "$os_id" == ubuntu ]]; then
    [[ -n "$os_codename" ]] || fail "no VERSION_CODENAME in /etc/os-release: cannot name Ubuntu's arm64 suite."
    mkdir -p "$apt_dir/sources.list.d"
    for suite in "$os_codename" "$os_codename-updates"; do
      echo "deb [signed-by=/usr/share/keyrings/ubuntu-archive-keyring.gpg] http://ports.ubuntu.com/ubuntu-ports $suite main"
    done >"$apt_dir/sources.list"
    apt_opts+=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d")
  fi
  waited timeout 300 apt-get "${apt_opts[@]}" update >"$WORK/apt.log" 2>&1 \
    || { cat "$WORK/apt.log" >&2; fail "could not read the arm64 package lists."; }
  (cd "$apt_dir/debs" && timeout 300 apt-get "${apt_opts[@]}" download libc6:arm64 libgcc-s1:arm64 libstdc++6:arm64) \
    >>"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "could not download the arm64 C runtime."; }
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$SYSROOT.tmp"; done
  # A merged-/usr distribution's packages (Ubuntu's since 24.04) ship the loader under usr/lib only; the binaries
  # ask for /lib/ld-linux-aarch64.so.1, which such a system reaches through its /lib -> usr/lib link.
  [[ -e "$SYSROOT.tmp/lib" ]] || ln -s usr/lib "$SYSROOT.tmp/lib"
  rm -rf "$SYSROOT" && mv "$SYSROOT.tmp" "$SYSROOT"
fi

# Starts an arm64 executable under qemu from its folder; sets URL once it listens.
start_under_qemu() {
  local dir="$1" exe="$2" what="$3" started_at
  log="$WORK/qemu-$exe.log"
  started_at=$(date +%s)
  (cd "$dir" && exec env QEMU_LD_PREFIX="$SYSROOT" DOTNET_EnableWriteXorExecute=0 ASPNETCORE_ENVIRONMENT=Production \
    qemu-aarch64-static "./$exe" --urls http://127.0.0.1:0) >"$log" 2>&1 &
  QEMU_PID=$!
  URL=""
  while [[ -z "$URL" ]]; do
    kill -0 "$QEMU_PID" 2>/dev/null || { cat "$log" >&2; fail "the arm64 $what exited during start-up."; }
    (( $(date +%s) < started_at + QEMU_START_TIMEOUT )) || { cat "$log" >&2; fail "the arm64 $what did not listen within ${QEMU_START_TIMEOUT}s."; }
    URL="$(grep -o 'Now listening on: http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 | sed 's/^Now listening on: //' || true)"
    [[ -n "$URL" ]] || sleep 0.2
  done
  health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$URL/healthz" || true)"
  [[ "$health" == "200" ]] || fail "GET /healthz on the arm64 $what answered '$health', expected 200."
  echo "    OK  GET /healthz -> 200 (listening $(( $(date +%s) - started_at ))s after start under qemu)"
}
stop_qemu() { kill "$QEMU_PID" 2>/dev/null || true; wait "$QEMU_PID" 2>/dev/null || true; QEMU_PID=""; }

step "Prime.Api arm64, Native AOT (the image's binary), under qemu-aarch64-static"
start_under_qemu "$WORK/out/Prime.Api-arm64" service "Prime API"
primes="$(curl -s --max-time 120 "$URL/prime?n=1000000" || true)"
[[ "$primes" == "78498" ]] || fail "GET /prime?n=1000000 on arm64 answered '$primes', expected 78498."
echo "    OK  GET /prime?n=1000000 -> 78498"
stop_qemu

step "TaskInfo, both architectures' Native AOT binaries (arm64 under qemu-aarch64-static): one task-info line each"
for arch in amd64 arm64; do
  runner=(); [[ "$arch" == arm64 ]] && runner=(env QEMU_LD_PREFIX="$SYSROOT" qemu-aarch64-static)
  line="$(timeout 60 "${runner[@]}" "$WORK/out/TaskInfo-$arch/service")" || fail "TaskInfo ($arch) failed: $line"
  [[ "$line" == 'task-info {"processors":'* ]] || fail "TaskInfo ($arch) printed '$line', expected a task-info line."
  echo "    OK  $arch: ${line:0:60}..."
done

# The seed's 15 books from GET /api/books at $URL.
check_books() {
  books="$(curl -s --max-time 120 "$URL/api/books" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).length)}catch{console.log("not JSON")}})')"
  [[ "$books" == "15" ]] || fail "GET /api/books on the arm64 $1 answered $books books, expected the seed's 15."
  echo "    OK  GET /api/books -> the seed's 15 books"
}

step "BookStore.Api arm64, Native AOT (the image's binary), under qemu-aarch64-static"
start_under_qemu "$WORK/out/BookStore.Api-arm64" service "Native AOT BookStore API"
check_books "Native AOT BookStore"
stop_qemu

step "BookStore.Api arm64 as built with a monitor: self-contained and ReadyToRun, under qemu-aarch64-static"
sc_out="$WORK/out/BookStore.Api-arm64-self-contained"
kind="$(file -b "$sc_out/libcoreclr.so")"
[[ "$kind" == *"ARM aarch64"* ]] || fail "libcoreclr.so is '$kind', expected AArch64."
start_under_qemu "$sc_out" BookStore.Api "BookStore API"
check_books "ReadyToRun BookStore"
stop_qemu

# A user's own project (test/fixtures/echo, built above from its own folder for both architectures) runs on arm64
# too: self-contained for the same reason as the BookStore, published from the same build context.
step "Echo.Api (a user's project) arm64, self-contained and ReadyToRun, under qemu-aarch64-static"
user_out="$WORK/out/Echo.Api-arm64-self-contained"
kind="$(file -b "$user_out/Echo.Api")"
[[ "$kind" == *"ARM aarch64"* ]] || fail "the user's Echo.Api is '$kind', expected AArch64."
start_under_qemu "$user_out" Echo.Api "user's Echo API"
echoed="$(curl -s --max-time 60 "$URL/echo/arm64" || true)"
[[ "$echoed" == "arm64" ]] || fail "GET /echo/arm64 on the user's arm64 service answered '$echoed', expected arm64."
echo "    OK  GET /echo/arm64 -> arm64"
stop_qemu

echo "verify-cross-arch: PASS (${#PROJECTS[@]} services and a user's project x amd64/arm64 published and checked, arm64 Native AOT and ReadyToRun, ours and the user's, ran under qemu) in $(( $(date +%s) - started ))s"
