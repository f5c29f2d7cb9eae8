#!/usr/bin/env bash
# Runs one Pulumi CLI command for a pipeline step (pipelines/templates/pulumi.yml): installs the Azure DevOps
# provider plugin, logs in to the state backend, then `pulumi <preview|up> --stack <stack> --non-interactive [args...]`.
# The CLI sees only what the step maps into its environment. Azure Pipelines leaves a mapped `$(name)` as that
# literal text when no variable has that name (a variable group without PULUMI_ACCESS_TOKEN, say), so such
# values are dropped here rather than handed to the CLI as a passphrase, a token or a region.
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
  AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION; do
  value="${!name-}"
  if [[ -z "$value" || "$value" =~ ^\$\([A-Za-z0-9_.]+\)$ ]]; then
    unset "$name"
  fi
done

# The plugin version the program's @pulumi/azuredevops package asks for (sdk/azuredevops/pulumi-plugin.json, written
# by its generator), read from there so it is written in one place. Installed before any other command, so a plugin
# the agent cannot fetch fails here, named, rather than in the middle of a preview.
plugin_file="sdk/azuredevops/pulumi-plugin.json"
[[ -f "$plugin_file" ]] || fail "$plugin_file not found: run this from the repository root"
plugin_version="$(sed -n 's/^  "version": "\([0-9][0-9.]*\)",\{0,1\}$/\1/p' "$plugin_file")"
[[ -n "$plugin_version" ]] || fail "no '\"version\": \"x.y.z\"' line in $plugin_file"

[[ -n "${PULUMI_BACKEND_URL-}" ]] || fail "PULUMI_BACKEND_URL is not set: the pipeline definition's variable is missing (the program sets it)"
case "$PULUMI_BACKEND_URL" in
  https://*)
    [[ -n "${PULUMI_ACCESS_TOKEN-}" ]] || fail "the backend $PULUMI_BACKEND_URL needs PULUMI_ACCESS_TOKEN, a secret variable in the pipeline's variable group"
    ;;
  s3://*)
    # The CLI's S3 client takes its region from the URL's `region=` or from AWS_REGION, and the agent has no AWS
    # config file (pulumi/pulumi#13899: "MissingRegion"). AWSShellScript@1 sets AWS_REGION for its own script only
    # (src/tasks/AWSShellScript/TaskOperations.ts, aws/aws-toolkit-azure-devops v1.24.0), so the step maps it
    # from the definition's awsRegion. The URL is exported too: the CLI reads PULUMI_BACKEND_URL on every command.
    [[ -n "${AWS_ACCESS_KEY_ID-}" ]] || fail "the backend $PULUMI_BACKEND_URL needs AWS credentials, and the AWS credentials step did not hand any on"
    if [[ ! "$PULUMI_BACKEND_URL" =~ [?\&]region= ]]; then
      [[ -n "${AWS_REGION-}" ]] || fail "the backend $PULUMI_BACKEND_URL names no region and AWS_REGION is not set: the definition's awsRegion variable is missing (the program sets it)"
      separator="?"
      [[ "$PULUMI_BACKEND_URL" == *\?* ]] && separator="&"
      PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL}${separator}region=${AWS_REGION}"
    fi
    ;;
  *)
    fail "the backend $PULUMI_BACKEND_URL cannot log in here: the step hands the CLI AWS credentials or a Pulumi access token, so use s3://<bucket> or https://api.pulumi.com"
    ;;
esac
export PULUMI_BACKEND_URL
if [[ "$command" == up && -z "${AWS_ACCESS_KEY_ID-}" ]]; then
  fail "no AWS credentials: the AWS credentials step did not hand any on"
fi

pulumi plugin install resource azuredevops "$plugin_version"
pulumi login "$PULUMI_BACKEND_URL"
exec pulumi "$command" --stack "$stack" --non-interactive "$@"
