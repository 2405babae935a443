#!/usr/bin/env bash
# Every test: type-check, build, then unit, integration and real-client tests (jest).
# The real-client tests need Debian packages; as root with apt they are installed here,
# otherwise the run stops and names them. Nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A package_for=([skopeo]=skopeo [umoci]=umoci)
missing=()
for cmd in "${!package_for[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_for[$cmd]}")
done
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
npx jest --ci "$@"
