#!/usr/bin/env bash
# The OpenFisca comparison (issue 3), from a clean checkout:
#   bash bench/openfisca/run.sh [PEOPLE ...]          (default: 100000 1000000 10000000)
# For each size: Minsheng generates the population, builds its columns, runs the batch and
# writes inputs and results to bench/out/openfisca-N/; then, in a process of its own, reads
# those column files back and computes the compared programs (checking them against the dump),
# as OpenFisca (in a virtualenv made here, pinned by requirements.txt) then does from the same
# files and the same parameter files; compare.py checks every amount against Minsheng's to
# the fen and prints both timings.
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
    target/release/minsheng bench policy --from "bench/out/openfisca-$n"
    (cd bench/openfisca && "../../$venv/bin/python" compare.py "../../bench/out/openfisca-$n")
done
