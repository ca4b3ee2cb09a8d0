"""Runs the OpenFisca side on the population `minsheng bench policy --dump DIR` wrote, checks
that every compared amount matches Minsheng's to the fen, and prints both engines' timings:
Minsheng's from the same column files (`bench policy --from DIR`, its `minsheng.json`), and
from registry records for reference (the dump's `meta.json`).

    python compare.py DIR
"""

import glob
import json
import os
import resource
import sys
import time

import numpy as np
from openfisca_core.simulations import SimulationBuilder

from minsheng_country import INPUTS, MinshengCountry, default_parameters_dir


def column(path):
    return np.fromfile(path, dtype="<i8")


def input_column(dump, name):
    """An input column at the width Minsheng wrote it (`<name>.i8`, `.i16`, `.i32` or `.i64`)."""
    (path,) = glob.glob(os.path.join(dump, "inputs", name + ".i*"))
    bits = int(path.rsplit(".i", 1)[1])
    return np.fromfile(path, dtype=f"<i{bits // 8}")  # numpy names widths in bytes


def main(dump):
    meta = json.load(open(os.path.join(dump, "meta.json")))
    period = meta["month"]
    tbs = MinshengCountry(default_parameters_dir())

    started = time.perf_counter()
    starts = column(os.path.join(dump, "member_start.i64"))
    persons, households = int(starts[-1]), len(starts) - 1
    household_of = np.repeat(np.arange(households), np.diff(starts))
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("person", np.arange(persons))
    household = builder.declare_entity("household", np.arange(households))
    builder.join_with_persons(household, household_of, np.full(persons, "member"))
    simulation = builder.build(tbs)
    for variable in INPUTS:
        name = variable.__name__
        values = input_column(dump, name)
        simulation.set_input(name, period, values.astype(bool) if variable.value_type is bool else values)
    build = time.perf_counter() - started

    started = time.perf_counter()
    results = {name: simulation.calculate(name, period) for name in meta["compared"]}
    compute = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    mismatches = 0
    for name, values in results.items():
        expected = column(os.path.join(dump, "outputs", name + ".i64"))
        got = values.astype(np.int64)
        differ = np.flatnonzero(got != expected)
        mismatches += len(differ)
        status = "same to the fen" if len(differ) == 0 else f"{len(differ)} rows differ, first at {differ[:5]}"
        print(f"  {name:28} {len(expected):>10} rows  {status}")

    explain = traced_single_household(tbs, period, dump, starts)

    files = json.load(open(os.path.join(dump, "minsheng.json")))
    m_build, m_compute = files["build_seconds"], files["compute_seconds"]
    print(f"\n  {persons} persons, {households} households, {period}; both engines from the same column files")
    print(f"  {'':28} {'OpenFisca':>12} {'Minsheng':>12} {'ratio':>8}")
    print(f"  {'build inputs':28} {build:>11.3f}s {m_build:>11.3f}s {build / m_build:>7.1f}x")
    print(f"  {'compute':28} {compute:>11.3f}s {m_compute:>11.3f}s {compute / m_compute:>7.1f}x")
    total, m_total = build + compute, m_build + m_compute
    print(f"  {'build + compute':28} {total:>11.3f}s {m_total:>11.3f}s {total / m_total:>7.1f}x")
    print(f"  {'peak memory (whole process)':28} {peak:>10.0f}MB {files['peak_rss_mib']:>10.0f}MB {files['peak_rss_mib'] / peak:>7.2f}")
    r_build, r_compute = meta["build_seconds"], meta["compute_seconds"]
    print(f"  Minsheng from registry records (the dump's run): build {r_build:.3f}s, compute {r_compute:.3f}s, "
          f"peak {meta['peak_rss_mib']:.0f}MB with the generator and the whole catalog")
    m_explain = meta["explain_seconds"]
    print(f"  {'explain one household':28} {explain * 1e6:>10.0f}us {m_explain * 1e6:>10.1f}us {explain / m_explain:>7.1f}x")
    return 1 if mismatches else 0


def traced_single_household(tbs, period, dump, starts, samples=200):
    """Median time to build and calculate one household with OpenFisca's tracer on, over
    households spread through the population (Minsheng's figure: `policy explain`'s
    evaluation of every program with its trace)."""
    inputs = {v.__name__: input_column(dump, v.__name__) for v in INPUTS}
    households = len(starts) - 1
    times = []
    for h in range(0, households, max(1, households // samples))[:samples]:
        lo, hi = int(starts[h]), int(starts[h + 1])
        started = time.perf_counter()
        builder = SimulationBuilder()
        builder.create_entities(tbs)
        builder.declare_person_entity("person", np.arange(hi - lo))
        household = builder.declare_entity("household", np.arange(1))
        builder.join_with_persons(household, np.zeros(hi - lo, dtype=int), np.full(hi - lo, "member"))
        simulation = builder.build(tbs)
        simulation.trace = True
        for variable in INPUTS:
            values = inputs[variable.__name__][lo:hi]
            simulation.set_input(variable.__name__, period, values.astype(bool) if variable.value_type is bool else values)
        for name in ["dibao_amount", "near_poor", "disability_living_subsidy", "disability_care_subsidy", "meal_aid_canteen_per_meal"]:
            simulation.calculate(name, period)
        times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
