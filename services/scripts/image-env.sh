#!/usr/bin/env bash
# Prints the runtime settings a Dockerfile's image sets, one NAME=value per line, from its `ENV NAME=value` lines
# (one pair per line, no spaces in the value: the form services/Dockerfile and services/Dockerfile.aot use). The
# local runs that stand in for an image read them here, so that they run as the task does: bench/services/run.sh
# (every server, with services/Dockerfile's) and verify-cross-arch.sh (the Native AOT start under gdb, with
# services/Dockerfile.aot's).
#
# Usage: image-env.sh <Dockerfile>    e.g. mapfile -t IMAGE_ENV < <(services/scripts/image-env.sh services/Dockerfile)
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: image-env.sh <Dockerfile>" >&2; exit 2; }
[[ -f "$1" ]] || { echo "image-env.sh: '$1' is not a file." >&2; exit 2; }
sed -nE 's/^ENV ([A-Za-z_][A-Za-z0-9_]*=[^ ]*)$/\1/p' "$1"
