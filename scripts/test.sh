#!/usr/bin/env bash
# Every test: type-check, build, the web console's component tests (vitest), then unit, integration,
# real-client and browser tests (jest). The real-client and browser tests need Debian packages; as root
# with apt they are installed here, otherwise the run stops and names them. Nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A package_for=([skopeo]=skopeo [umoci]=umoci [zstd]=zstd [chromium]=chromium [podman]=podman)
missing=()
for cmd in "${!package_for[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_for[$cmd]}")
done
# Without CJK fonts the Chinese screenshots show boxes.
# grep reads all of fc-list's output (no -q): with pipefail, an early exit would fail the pipe on SIGPIPE.
if ! { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null; }; then missing+=(fonts-noto-cjk); fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing test dependencies from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# Each stage's duration, printed at the end (also when a stage fails), so a slow stage shows in every CI log.
durations=()
report() { ((${#durations[@]})) && printf 'stage %s\n' "${durations[@]}"; }
trap report EXIT
stage() {
  local name=$1 started=$SECONDS
  shift
  "$@"
  durations+=("$name: $((SECONDS - started)) s")
}

stage typecheck npm run typecheck
stage build npm run build
stage web-tests npm run test:web
stage jest npx jest --ci "$@"
