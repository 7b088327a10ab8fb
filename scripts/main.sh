#!/usr/bin/env bash
# The main job of the README: set-up, then a whole simulated study
# (simulate, decode, encode, score, rank, draw) on all cores. Extra
# arguments go to the bhscore command (e.g. -size tiny, -workdir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
go run ./examples/bhscore "$@"
