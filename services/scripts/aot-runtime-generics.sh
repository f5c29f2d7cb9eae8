#!/usr/bin/env bash
# Lists the generic types a Native AOT service's runtime has to build between its start and its first 200 from
# /healthz, or from an API path after it (liveness is answered ahead of routing, so the route table, and what its
# endpoints resolve, is built by the first API request: give one to cover it). Each is a closed generic type the
# compiler did not generate because nothing in the code names it:
# dependency injection closes OptionsFactory<T>, UnnamedOptionsManager<T>, OptionsMonitor<T> and Logger<T> from
# their open registrations at run time, and the runtime's type loader then builds each one, with its arrays and
# interfaces, on the GC heap. A project lists them in its rd.xml so that the compiler generates them instead
# (services/Shared/ServiceDefaults.rd.xml says what that saved); verify-cross-arch.sh runs this script on the
# BookStore's and Prime's amd64 binaries and fails when a list is not empty, naming what to add.
#
# How: the binary runs under gdb with a breakpoint on the type loader's TypeBuilder.TryBuildGenericType
# (dotnet/runtime src/coreclr/nativeaot/System.Private.TypeLoader/src/Internal/Runtime/TypeLoader/TypeBuilder.cs, read
# at commit 0001271a: a static method whose arguments are the generic definition's type handle and an array of the
# arguments' handles; the 10.0.12 binaries' symbols name it, and the breakpoint found the 68 types this way). Each
# handle is the address of a MethodTable, named in the binary's symbols (the .dbg file the publish writes beside it)
# as _ZTV<length><assembly>_<namespace>_<type>. The breakpoint is set by address, so the binary may be stripped as the
# image holds it, as long as the .dbg comes from the same link.
#
# Usage: aot-runtime-generics.sh <binary> <its .dbg> [<API path, e.g. /api/books>]
# Runs it with the caller's environment (give it the image's ENV) on a loopback port. Prints one line per type built,
# "Definition<Argument, ...>" as the symbols name them; exits 0 when there are none, 1 when there are, 2 when it
# cannot tell (a tool missing, the symbol not found, no 200 within AOT_GENERICS_TIMEOUT seconds, default 120).
set -euo pipefail

fail() { echo "aot-runtime-generics: $*" >&2; exit 2; }
[[ $# -eq 2 || $# -eq 3 ]] || fail "usage: aot-runtime-generics.sh <binary> <its .dbg> [<API path>]"
binary="$1"; symbols="$2"; api_path="${3:-}"
[[ -z "$api_path" || "$api_path" == /* ]] || fail "the API path must start with /; got '$api_path'."
[[ -x "$binary" ]] || fail "'$binary' is not an executable file."
[[ -f "$symbols" ]] || fail "'$symbols' is not a file (the .dbg the Native AOT publish writes beside the binary)."
for tool in gdb nm curl; do command -v "$tool" >/dev/null || fail "'$tool' is not installed."; done
timeout_s="${AOT_GENERICS_TIMEOUT:-120}"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || fail "AOT_GENERICS_TIMEOUT must be whole seconds, 1 or more; got '$timeout_s'."
case "$(uname -m)" in
  x86_64) regs=(rdi rsi) ;;
  aarch64) regs=(x0 x1) ;;
  *) fail "no argument registers known for $(uname -m)." ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/aot-generics.XXXXXX")"
pid=""
cleanup() {
  [[ -z "$pid" ]] || { pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

nm "$symbols" >"$work/symbols" 2>/dev/null || fail "nm could not read '$symbols'."
entry="$(awk '$3 == "S_P_TypeLoader_Internal_Runtime_TypeLoader_TypeBuilder__TryBuildGenericType" {print $1; exit}' "$work/symbols")"
[[ -n "$entry" ]] || fail "'$symbols' has no TypeBuilder.TryBuildGenericType: the runtime's type loader has changed; read TypeBuilder.cs again."

# The breakpoint writes the definition's handle and the arguments' (the array's length at +8, its elements from +16).
cat >"$work/break.py" <<EOF
import gdb
class Built(gdb.Breakpoint):
    def stop(self):
        definition = int(gdb.parse_and_eval("\$${regs[0]}"))
        array = int(gdb.parse_and_eval("\$${regs[1]}"))
        count = int(gdb.parse_and_eval("*(long*)%d" % (array + 8))) if array else 0
        arguments = [int(gdb.parse_and_eval("*(unsigned long*)%d" % (array + 16 + 8 * k))) for k in range(count)]
        with open("$work/built", "a") as out:
            out.write(" ".join("%x" % a for a in [definition] + arguments) + "\n")
        return False
Built("*0x$entry")
EOF
: >"$work/built"

# Port 0: the kernel gives the binary a free loopback port, and its address is read from Kestrel's "Now listening on"
# line, as the tests' ServiceProcess.cs and verify-cross-arch.sh's qemu step find theirs; no other server can answer.
# The line is ASP.NET Core's, at Information under "Microsoft.Hosting.Lifetime", which ServiceDefaults' filter on
# "Microsoft.AspNetCore" leaves alone (dotnet/aspnetcore src/Hosting/Hosting/src/GenericHost/GenericWebHostService.cs
# at 96213513: LifetimeLogger, Log.ListeningOnAddress).
gdb -q -batch -nx -ex "set pagination off" -ex "set confirm off" -ex "handle all nostop noprint pass" \
  -x "$work/break.py" -ex run --args "$binary" --urls "http://127.0.0.1:0" >"$work/gdb.log" 2>&1 &
pid=$!
deadline=$(( $(date +%s) + timeout_s ))
url=""
until [[ -n "$url" && "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" || true)" == 200 ]]; do
  if ! kill -0 "$pid" 2>/dev/null || (( $(date +%s) >= deadline )); then
    tail -n 20 "$work/gdb.log" >&2
    fail "'$binary' gave no 200 from /healthz${url:+ at $url} within ${timeout_s}s under gdb (its output above)."
  fi
  [[ -n "$url" ]] || url="$(grep -o 'Now listening on: http://127\.0\.0\.1:[0-9]*' "$work/gdb.log" | head -n1 | sed 's/^Now listening on: //' || true)"
  sleep 0.2
done
if [[ -n "$api_path" ]]; then
  status="$(curl -s -o /dev/null -w '%{http_code}' --max-time "$timeout_s" "$url$api_path" || true)"
  [[ "$status" == 200 ]] || fail "'$binary' answered GET $api_path with '$status' after its /healthz 200, expected 200."
fi

# Handles to names: MethodTable symbols are _ZTV<length><name>; an address without one is printed as it is.
awk 'NR == FNR { if (NF == 3) { a = $1; sub(/^0+/, "", a); n = $3; sub(/^_ZTV[0-9]+/, "", n); name[a] = n } next }
     { line = (($1 in name) ? name[$1] : "0x" $1) "<"
       for (i = 2; i <= NF; i++) line = line (i > 2 ? ", " : "") (($i in name) ? name[$i] : "0x" $i)
       print line ">" }' "$work/symbols" "$work/built" | sort -u >"$work/named"
cat "$work/named"
[[ ! -s "$work/named" ]]
