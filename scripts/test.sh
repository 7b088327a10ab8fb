#!/usr/bin/env bash
# The test command of the README: set-up, vet, the full test suite (with
# the race detector on the packages that run in parallel) and the purego build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
test -z "$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
go vet ./...
go test -count=1 ./...
