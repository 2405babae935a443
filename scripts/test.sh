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

npm run typecheck
npm run build
npm run test:web
npx jest --ci "$@"
