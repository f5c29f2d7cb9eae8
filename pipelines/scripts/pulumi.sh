#!/usr/bin/env bash
# Runs one Pulumi CLI command for a pipeline step (pipelines/templates/pulumi.yml): logs in to the state
# backend, then `pulumi <preview|up> --stack <stack> --non-interactive [args...]`.
# The CLI sees only what the step maps into its environment. Azure Pipelines leaves a mapped `$(NAME)` as that
# literal text when NAME is not defined (a variable group without PULUMI_ACCESS_TOKEN, say), so such values
# are dropped here rather than handed to the CLI as a passphrase or a token.
# Usage: pulumi.sh <preview|up> <stack> [extra pulumi arguments...]
set -euo pipefail

fail() { echo "pulumi.sh: $*" >&2; exit 2; }
[[ $# -ge 2 ]] || fail "usage: pulumi.sh <preview|up> <stack> [args...]"
command="$1"; stack="$2"; shift 2
case "$command" in
  preview | up) ;;
  *) fail "the command must be preview or up; got '$command'" ;;
esac
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || fail "not a stack name: '$stack'"

for name in PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE PULUMI_ACCESS_TOKEN AZDO_PERSONAL_ACCESS_TOKEN \
  AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; do
  value="${!name-}"
  if [[ -z "$value" || "$value" == "\$($name)" ]]; then
    unset "$name"
  fi
done

[[ -n "${PULUMI_BACKEND_URL-}" ]] || fail "PULUMI_BACKEND_URL is not set: the pipeline definition's variable is missing (the program sets it)"
if [[ "$PULUMI_BACKEND_URL" == https://* ]]; then
  [[ -n "${PULUMI_ACCESS_TOKEN-}" ]] || fail "the backend $PULUMI_BACKEND_URL needs PULUMI_ACCESS_TOKEN, a secret variable in the pipeline's variable group"
fi
if [[ "$command" == up && -z "${AWS_ACCESS_KEY_ID-}" ]]; then
  fail "no AWS credentials: the AWS credentials step did not hand any on"
fi

pulumi login "$PULUMI_BACKEND_URL"
exec pulumi "$command" --stack "$stack" --non-interactive "$@"
