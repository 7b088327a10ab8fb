#!/usr/bin/env bash
# The test command of the README: set-up, formatting and vet, the whole test
# suite (fuzz seed corpora included), the race detector over the packages
# that run in parallel, and the pure-Go (no OpenBLAS) build of the solver.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== gofmt, go vet"
test -z "$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
go vet ./...
echo "== go test ./..."
go test -count=1 -timeout 40m ./...
echo "== go test -race (parallel packages)"
go test -count=1 -race -timeout 30m ./internal/jobs/ ./internal/atomicfile/ ./internal/h5/ ./fastl2lir/ ./features/ ./fmri/ ./hierarchy/ ./decode/ ./encode/ .
echo "== go test -tags purego (solver without OpenBLAS)"
go test -count=1 -tags purego ./fastl2lir/ ./internal/linalg/
