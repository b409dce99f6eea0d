"""The runs of one script on real TensorFlow 1.x and on legacy-sae, figure by figure: pure
functions of run records, no files and no runs.

A figure is one number a script prints, found by the text around it: the number in position j
of a line's template (`Epoch {}/{}  average cost {}`), at its last printing in each run. When a
template is printed the same number of times, at most MAX_PRINTINGS, in every run of both
engines, each printing is a figure of its own (the stacked listing's two `Accuracy: {}` lines:
before and after fine-tuning). Each figure gets one of four answers, each with its rule:

* agree: both engines printed it in two runs or more and
  - it is constant on both (in CONSTANT_MIN_RUNS runs or more a side) and the two values are
    equal within ROUNDING (a deterministic figure must agree exactly, up to float32 rounding),
    or
  - the 90 % Welch interval of the difference of means (legacy-sae minus TensorFlow) lies
    inside +-margin, margin = K times the sd of TensorFlow's runs (K = --margin, default
    DEFAULT_MARGIN): the two one-sided tests at 5 % each.
* differ: constant on both and unequal; or the 99 % interval (DIFFER_CONFIDENCE) wholly
  outside the margin.
* too few runs to tell: fewer than two runs printed it on a side; the interval crosses the
  margin; or it is equal in every run of a side that has fewer than CONSTANT_MIN_RUNS runs.
* not comparable: printed by one engine only, or constant in CONSTANT_MIN_RUNS runs or more on
  one side and varying on the other (a seed honoured by one engine only, say).

Failed runs are not figures: `failures` reports them per engine. A notebook whose every run on
both engines stopped at the same cell had the same outcome on both (`same_stop`): its runs are
compared up to that cell. The exit status is 1 when a
figure differs, is not comparable, or a run failed; 3 (EXIT_TOO_FEW) when every figure that
was judged agrees but some could not be told; 0 when every figure agrees.
"""
import statistics

from legacy_sae.regression.gates import (EQUIVALENCE_CONFIDENCE, describe, difference_interval,
                                         equivalence)

DEFAULT_MARGIN = 1.0  # in sds of TensorFlow's runs: the margins regress's equivalence gate uses
MAX_PRINTINGS = 10
# Fewer equal values can be chance: a label, or an accuracy printed to 4 digits.
CONSTANT_MIN_RUNS = 3
ROUNDING = 1e-6        # relative: float32 carries about 7 significant digits
# "differ" asks more than "agree" does: a 99 % interval wholly outside the margin, so that two
# engines computing the same thing are told apart 0.15 % of the time per figure with 3 runs a
# side, 0.05 % with 8 (simulated, tests/test_compare.py and docs/reference.md).
DIFFER_CONFIDENCE = 0.99
EXIT_TOO_FEW = 3
VERDICTS = ("agree", "differ", "too few runs to tell", "not comparable")
RULES = {
    "agree": f"both constant in {CONSTANT_MIN_RUNS} runs or more and equal (relative difference "
             f"at most {ROUNDING:g}), or the "
             f"{100 * EQUIVALENCE_CONFIDENCE:g} % interval of the difference of means inside "
             f"+-margin (margin = K x the sd of TensorFlow's runs)",
    "differ": f"both constant and unequal, or the {100 * DIFFER_CONFIDENCE:g} % interval wholly "
              f"outside the margin (exit 1)",
    "too few runs to tell": "fewer than 2 runs a side, the interval crossing the margin, or a "
                            f"side equal in all of fewer than {CONSTANT_MIN_RUNS} runs (exit 3 "
                            f"when nothing else is wrong)",
    "not comparable": f"printed by one engine only, or constant in {CONSTANT_MIN_RUNS} runs or "
                      f"more on one side only (exit 1)",
}


def _printing_counts(runs):
    """{template: set of how many times each run printed it}."""
    counts = {}
    for run in runs:
        for template, printings in run["result"]["printed"].items():
            counts.setdefault(template, set()).add(len(printings))
    return counts


def figure_values(runs, split):
    """{(template, printing, position): [value in each run that printed it]}; `printing` is
    "k of K" for the templates in `split` ({template: K}), else "last"."""
    values = {}
    for run in runs:
        for template, printings in run["result"]["printed"].items():
            chosen = (list(enumerate(printings, 1)) if template in split
                      else [(None, printings[-1])])
            for k, numbers in chosen:
                printing = f"{k} of {split[template]}" if k else "last"
                for position, number in enumerate(numbers):
                    values.setdefault((template, printing, position), []).append(number)
    return values


def paired_figures(reference_runs, runs):
    """{figure: (TensorFlow's values, legacy-sae's values)} over the successful runs, in the
    order the figures were first printed."""
    ok_reference = [r for r in reference_runs if r["status"] == "ok"]
    ok = [r for r in runs if r["status"] == "ok"]
    counts_reference, counts = _printing_counts(ok_reference), _printing_counts(ok)
    split = {template: next(iter(found)) for template, found in counts_reference.items()
             if found == counts.get(template) and len(found) == 1
             and 1 < next(iter(found)) <= MAX_PRINTINGS}
    theirs, ours = figure_values(ok_reference, split), figure_values(ok, split)
    return {figure: (theirs.get(figure, []), ours.get(figure, []))
            for figure in list(theirs) + [f for f in ours if f not in theirs]}


def label(figure):
    """The template with the compared number shown as {#}, and which printing."""
    template, printing, position = figure
    parts = template.split("{}")
    text = "".join(part + ("{#}" if k == position else "{}") for k, part in enumerate(parts[:-1]))
    return text + parts[-1], printing


def judge(reference, values, margin_sds=DEFAULT_MARGIN):
    """The answer for one figure (module docstring): dict(verdict, why, and where they apply the
    statistics of each side, difference, interval, margin)."""
    row = dict(reference=describe(reference) if reference else None,
               ours=describe(values) if values else None, difference=None, interval=None,
               margin=None)
    if not reference or not values:
        side = "legacy-sae" if values else "TensorFlow"
        return dict(row, verdict="not comparable", why=f"printed by {side} only")
    if min(len(reference), len(values)) < 2:
        return dict(row, verdict="too few runs to tell", why="fewer than 2 runs a side")
    equal = [len(set(side)) == 1 for side in (reference, values)]
    for side, runs, same in zip(("TensorFlow", "legacy-sae"), (reference, values), equal):
        if same and len(runs) < CONSTANT_MIN_RUNS:
            return dict(row, verdict="too few runs to tell",
                        why=f"equal in {len(runs)} runs on {side}: too few to call it constant")
    if all(equal):
        a, b = reference[0], values[0]
        row.update(difference=b - a, interval=[b - a, b - a])
        if abs(b - a) <= ROUNDING * max(abs(a), abs(b)):
            return dict(row, verdict="agree", why="identical" if a == b else "equal to float32")
        return dict(row, verdict="differ", why="constant on both, unequal")
    if any(equal):
        side = "TensorFlow" if equal[0] else "legacy-sae"
        return dict(row, verdict="not comparable", why=f"constant on {side} only")
    margin = margin_sds * statistics.stdev(reference)
    found = equivalence(values, reference, margin)
    _, (low, high) = difference_interval(values, reference, DIFFER_CONFIDENCE)
    row.update(difference=found["difference"], interval=found["interval"], margin=margin)
    if found["verdict"] == "equivalent":
        return dict(row, verdict="agree", why="interval inside the margin")
    if high < -margin or low > margin:
        return dict(row, verdict="differ",
                    why=f"{100 * DIFFER_CONFIDENCE:g} % interval outside the margin")
    return dict(row, verdict="too few runs to tell", why="interval crosses the margin")


def compare(reference_runs, runs, margin_sds=DEFAULT_MARGIN):
    """[dict(figure, label, printing, values (TensorFlow's, legacy-sae's), verdict, why,
    statistics)] for every figure either engine printed."""
    rows = []
    for figure, (reference, values) in paired_figures(reference_runs, runs).items():
        text, printing = label(figure)
        rows.append(dict(judge(reference, values, margin_sds), figure=figure, label=text,
                         printing=printing, values=(reference, values)))
    return rows


def failures(reference_runs, runs):
    """{"TensorFlow": [failed records], "legacy-sae": [...]}."""
    return {side: [r for r in side_runs if r["status"] != "ok"]
            for side, side_runs in (("TensorFlow", reference_runs), ("legacy-sae", runs))}


def same_stop(reference_runs, runs):
    """The cell at which every run of a notebook on both engines stopped (data that would be
    downloaded, say), else None. Such runs had the same outcome on both: they are compared up
    to that cell, not reported as failures."""
    every = reference_runs + runs
    stops = {r.get("failed_cell") for r in every}
    if reference_runs and runs and all(r["status"] != "ok" for r in every) \
            and len(stops) == 1 and None not in stops:
        return stops.pop()
    return None


def exit_status(rows, failed):
    """1 when a figure differs or is not comparable or a run failed; EXIT_TOO_FEW when some
    figure could not be told; else 0."""
    verdicts = {row["verdict"] for row in rows}
    if verdicts & {"differ", "not comparable"} or any(failed.values()):
        return 1
    return EXIT_TOO_FEW if "too few runs to tell" in verdicts else 0
