#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and local benchmarks: loopback only, TLS on, password auth.
#
#   postgres.sh start DIR [OWNER_PID]
#                           creates a cluster in DIR (initdb, a self-signed certificate, a random password)
#                           unless DIR already holds one, starts it on a free 127.0.0.1 port and prints
#                           one line: an Npgsql connection string for the superuser (with its password).
#                           With OWNER_PID, a detached watcher cleans DIR (server and folder) once that process
#                           has exited, however it ended (a test host killed with SIGKILL runs no exit handler).
#   postgres.sh stop DIR    stops the server (fast shutdown: clients are disconnected); DIR stays.
#   postgres.sh clean DIR   stops the server if it runs and deletes DIR.
#   postgres.sh freeze DIR  stops every server process with SIGSTOP (a storage stall, a network black hole: the
#                           kernel still accepts connections, nothing answers); stop, clean and thaw resume them.
#   postgres.sh thaw DIR    resumes them (SIGCONT).
#   postgres.sh certificate DIR CERT KEY
#                           makes the PEM files CERT and KEY the server's certificate and key (in place of the
#                           self-signed one) and, if the server runs, restarts it: a restart, not a reload, so
#                           that every connection after this returns is served the new certificate.
#
# Starting a stopped cluster again keeps its data and its port (the failure test relies on both).
# The Debian package's binaries are used (/usr/lib/postgresql/<major>/bin, newest major). initdb refuses
# to run as root, so as root the cluster belongs to the package's `postgres` user.
set -euo pipefail

usage() { echo "usage: postgres.sh start DIR [OWNER_PID] | postgres.sh stop|clean|freeze|thaw DIR | postgres.sh certificate DIR CERT KEY" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action="$1"
dir="$2"
case "$action" in
  certificate) [[ $# -eq 4 ]] || usage ;;
  start) [[ $# -le 3 ]] || usage ;;
  watch) [[ $# -eq 4 ]] || usage ;;  # internal: the watcher that `start DIR OWNER_PID` detaches
  *) [[ $# -eq 2 ]] || usage ;;
esac

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
if [[ -z "$bindir" || ! -x "$bindir/pg_ctl" ]]; then
  # No server can run without the binaries, so cleaning is only removing DIR: callers that skip PostgreSQL when
  # it is missing still clean the folder they made for it.
  if [[ "$action" == clean ]]; then
    rm -rf "$dir"
    exit 0
  fi
  echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    # runuser lives in sbin, which a non-login shell's PATH may lack.
    "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@"
  else
    "$@"
  fi
}

data="$dir/data"
log="$dir/server.log"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

create_cluster() {
  mkdir -p "$dir"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$dir"
  chmod 700 "$dir"
  if ! as_owner test -w "$dir"; then
    echo "postgres.sh: the postgres user cannot reach $dir (a parent folder is private to root); use a folder of its own, such as one from mktemp -d" >&2
    exit 1
  fi
  local password
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  printf '%s\n' "$password" >"$dir/password"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$dir/password"
  as_owner "$bindir/initdb" -D "$data" -U postgres --pwfile="$dir/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$data/server.key" -out "$data/server.crt" >/dev/null 2>&1
  as_owner chmod 600 "$data/server.key"
  # A port below the kernel's ephemeral range: a port in that range can be taken by any outgoing connection
  # (a load test's, say) between this check and the server's bind, which then fails with "Address already in use".
  local port low
  low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  (( low > 11000 )) || low=61000
  for _ in $(seq 1 50); do
    port=$(( 10000 + RANDOM % (low - 10000) ))
    port_in_use "$port" || break
  done
  # Loopback only; the socket lives in DIR, not in the system's run directory.
  as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
max_connections = 300
EOF
}

# The postmaster first (so it forks no new backend), then its children; thawing sends SIGCONT to all of them.
server_pids() {
  local pid
  pid="$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  echo "$pid"
  # Its children, from /proc (no procps needed): every process whose parent it is.
  grep -l "^PPid:[[:space:]]*$pid\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3 || true
}
signal_server() { local p; for p in $(server_pids); do kill "-$1" "$p" 2>/dev/null || true; done; }

# A process's start time (clock ticks since boot, /proc/PID/stat field 22): with the PID, it names the process
# even after the PID is reused. The command name (field 2) may hold spaces, so count from its closing parenthesis.
start_time() { local stat; stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0; sed -E 's/^.*\) //' <<<"$stat" | cut -d' ' -f20; }

# Detaches a watcher (its own session, no inherited output: a caller reading our output to its end is not held)
# that cleans DIR once OWNER_PID has exited.
watch_owner() {
  local owner="$1" since
  since="$(start_time "$owner")"
  if [[ -z "$since" ]]; then
    rm -rf "$dir"  # the owner is gone already: nobody will use or clean this cluster
    echo "postgres.sh: process $owner (OWNER_PID) is not running" >&2
    exit 1
  fi
  setsid bash "${BASH_SOURCE[0]}" watch "$dir" "$owner" "$since" </dev/null >/dev/null 2>&1 &
}

conf_port() { sed -nE 's/^port = ([0-9]+)$/\1/p' "$data/postgresql.conf" | tail -n1; }

running() { [[ -f "$data/postmaster.pid" ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start_server() {
  as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null \
    || { tail -n 20 "$log" >&2; exit 1; }
}

# The key must belong to the server's user and be private to it, or PostgreSQL refuses to start.
install_certificate() {
  local cert="$1" key="$2"
  [[ -f "$data/PG_VERSION" ]] || { echo "postgres.sh: no cluster in $dir" >&2; exit 1; }
  [[ -r "$cert" && -r "$key" ]] || { echo "postgres.sh: cannot read $cert or $key" >&2; exit 1; }
  local was_running=0
  if running; then
    was_running=1
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null
  fi
  cp "$cert" "$data/server.crt"
  cp "$key" "$data/server.key"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$data/server.crt" "$data/server.key"
  chmod 600 "$data/server.key"
  [[ $was_running -eq 0 ]] || start_server
}

case "$action" in
  start)
    if [[ ! -f "$data/PG_VERSION" ]]; then
      # Watching first: an owner that is interrupted while the cluster is made leaves nothing either.
      [[ $# -lt 3 ]] || watch_owner "$3"
      create_cluster
    fi
    running || start_server
    echo "Host=127.0.0.1;Port=$(conf_port);Username=postgres;Password=$(cat "$dir/password");SSL Mode=Require"
    ;;
  freeze)
    running || { echo "postgres.sh: no server runs in $dir" >&2; exit 1; }
    signal_server STOP
    ;;
  thaw)
    signal_server CONT
    ;;
  stop)
    signal_server CONT
    if running; then
      as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null
    fi
    ;;
  certificate)
    install_certificate "$3" "$4"
    ;;
  watch)
    while [[ -d "$dir" && "$(start_time "$3")" == "$4" ]]; do sleep 1; done
    exec bash "${BASH_SOURCE[0]}" clean "$dir"
    ;;
  clean)
    signal_server CONT
    if [[ -d "$data" ]] && running; then
      as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
