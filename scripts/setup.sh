#!/usr/bin/env bash
# Installs the C libraries bhscore links against (Debian/Ubuntu) and fetches
# the Go modules. Safe to run repeatedly; used by the README commands and CI.
set -euo pipefail
pkgs=(libhdf5-dev libopenblas-dev liblapacke-dev pkg-config)
# The HTML report's browser test (htmlreport) needs a headless Chromium and a
# font; CI (CI set) and BHSCORE_CHROMIUM=1 install them, elsewhere the test
# is skipped when no browser is found.
if [ -n "${CI:-}" ] || [ "${BHSCORE_CHROMIUM:-}" = 1 ]; then
	pkgs+=(chromium fonts-dejavu-core)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cd "$(dirname "$0")/.."
go mod download
