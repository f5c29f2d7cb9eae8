#!/usr/bin/env bash
# Prints, one per line, the Debian or Ubuntu packages `npm test` needs that this machine lacks, for
# `apt-get install`: .ci/run and the pipelines' test job (pipelines/templates/test.yml) both install what it names.
#   qemu-user-static, file   the arm64 builds run under qemu and their machine type is read (verify-cross-arch.sh)
#   gdb                      the Native AOT start check (aot-runtime-generics.sh)
#   postgresql               the BookStore's tests' throw-away server (postgres.sh)
#   clang, and the other architecture's gcc and C library: the Native AOT publishes for both architectures
#   curl, procps, openssl    the scripts' HTTP checks, pkill/pgrep, the monitor TLS tests' certificates
# Usage: bash services/scripts/test-prerequisites.sh
set -euo pipefail
command -v qemu-aarch64-static >/dev/null || echo qemu-user-static
command -v file >/dev/null || echo file
command -v curl >/dev/null || echo curl
command -v pkill >/dev/null || echo procps
command -v openssl >/dev/null || echo openssl
command -v gdb >/dev/null || echo gdb
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || echo postgresql
command -v clang >/dev/null || echo clang
case "$(uname -m)" in
  x86_64) command -v aarch64-linux-gnu-gcc >/dev/null || printf '%s\n' gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;;
  aarch64) command -v x86_64-linux-gnu-gcc >/dev/null || printf '%s\n' gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;;
esac
