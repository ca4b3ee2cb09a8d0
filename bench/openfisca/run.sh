#!/usr/bin/env bash
# The OpenFisca comparison (issue 3), from a clean checkout:
#   bash bench/openfisca/run.sh [PEOPLE ...]          (default: 100000 1000000 10000000)
# For each size: Minsheng generates the population, builds its columns, runs the batch and
# writes inputs and results to bench/out/openfisca-N/; OpenFisca (in a virtualenv made here,
# pinned by requirements.txt) loads the same inputs and the same parameter files, computes the
# same programs, checks every amount against Minsheng's to the fen, and prints both timings.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=bench/out/openfisca-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r bench/openfisca/requirements.txt
fi
cargo build --release --quiet
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000 10000000)
for n in "${sizes[@]}"; do
    echo "== $n residents"
    target/release/minsheng bench policy --people "$n" --dump "bench/out/openfisca-$n"
    (cd bench/openfisca && "../../$venv/bin/python" compare.py "../../bench/out/openfisca-$n")
done
