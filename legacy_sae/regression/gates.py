"""The verdicts of a sweep: its statistics, and the gates that judge it, each able to say no.

A sweep is judged against the baseline (`legacy_sae/baselines/`, one recorded sweep per setting),
never against its own runs: a row whose setting the baseline has no runs at is reported as "not
gated", and a sweep in which no gate applied exits with EXIT_NOT_GATED rather than 0. The gates,
each with its false-alarm rate for runs that behave as the baseline's:

* band: every run inside the 99.9 % prediction interval for one new run made from the
  baseline's n runs, mean +- t * sd * sqrt(1 + 1/n), t the 0.9995 quantile of Student's t with
  n - 1 degrees of freedom. 0.1 % per run and metric; it catches a single broken run.
* drift: with three runs or more, the sweep's mean inside the 99 % prediction interval for
  the mean of its m runs, mean +- t * sd * sqrt(1/m + 1/n) (t at 0.995). 1 % per metric; it
  catches a whole environment that moved, which per-run bands are too wide to see. The report
  states its power: the shift caught 99 % of the time, measured by simulation with the
  baseline's spread.
* documented: at the documented 50 epochs per stage, with at least five faithful runs, each
  documented accuracy inside the 99.9 % band for one run made from this sweep's runs (the
  documented figures are one run of the tutorial's); 0.1 % per figure.
* equivalence, against a baseline recorded on real TensorFlow 1.x (`legacy-sae reference`):
  the difference of the means (this sweep minus TF 1.x) with its 90 % Welch interval, set
  against a margin per metric (EQUIVALENCE_MARGINS). Inside the margin on both sides, the two
  one-sided tests at 5 % each say "equivalent" (passes); an interval wholly outside it says
  "different" (fails); one that crosses it says neither: too few runs to tell (not gated). A
  sweep whose true difference is at the margin is called equivalent at most 5 % of the time.

Only the faithful and as-is rows gate the exit status; the corrected and SdA rows inform. The
statistics (describe, t_quantile, prediction_band, drift_detectable_shift, difference_interval,
equivalence) are pure functions of numbers.
"""
import functools
import math
import statistics

from legacy_sae.documented import DOCUMENTED, DOCUMENTED_EPOCHS
from legacy_sae.regression.plan import METRICS
from legacy_sae.regression.records import independent_of, metric_values, reference_values

BAND_COVERAGE = 0.999
DRIFT_FALSE_ALARM = 0.01
DRIFT_MIN_RUNS = 3       # with fewer, drift limits would be no more than a narrower run band
DRIFT_POWER = 0.99       # the power the report states the drift gate's detectable shift at
DOCUMENTED_MIN_RUNS = 5  # fewer runs make too loose a band to judge the documented figures by
EXIT_NOT_GATED = 3
EQUIVALENCE_CONFIDENCE = 0.90  # two one-sided tests at 5 % each
# How far legacy-sae's mean may lie from real TensorFlow 1.x's and still count as the same
# result, in accuracy (0.005 = 0.5 points). About one run-to-run sd of each at 20 epochs (0.52
# and 0.15 points in legacy_sae/baselines/e20.json), and a tenth of the gap fine-tuning closes:
# smaller than any difference a reader of the tutorial's figures would act on.
EQUIVALENCE_MARGINS = {"accuracy_before_finetuning": 0.005, "accuracy_after_finetuning": 0.002}
GATING_MODES = ("faithful", "as-is")
GATES = {"band": f"each run inside the baseline's {100 * BAND_COVERAGE:g} % band for one run; "
                 f"false alarm {100 * (1 - BAND_COVERAGE):g} % per run and metric",
         "drift": f"with {DRIFT_MIN_RUNS} runs or more, the sweep's mean inside the baseline's "
                  f"{100 * (1 - DRIFT_FALSE_ALARM):g} % limits for the mean of this many runs; "
                  f"false alarm "
                  f"{100 * DRIFT_FALSE_ALARM:g} % per metric",
         "documented": f"each documented accuracy inside the {100 * BAND_COVERAGE:g} % band made "
                       f"from this sweep's runs, at {DOCUMENTED_EPOCHS} epochs with "
                       f"{DOCUMENTED_MIN_RUNS} or more runs; false alarm "
                       f"{100 * (1 - BAND_COVERAGE):g} % per figure",
         "equivalence": f"against a baseline run on real TensorFlow 1.x, the "
                        f"{100 * EQUIVALENCE_CONFIDENCE:g} % interval of the difference of means "
                        f"inside the margin (0.5 points before fine-tuning, 0.2 after); at most "
                        f"{50 * (1 - EQUIVALENCE_CONFIDENCE):g} % of sweeps whose true "
                        f"difference is at the margin pass"}


def describe(values):
    """mean, sample standard deviation (0 for one value), min and max."""
    return dict(n=len(values), mean=statistics.fmean(values),
                sd=statistics.stdev(values) if len(values) > 1 else 0.0,
                min=min(values), max=max(values))


@functools.lru_cache(maxsize=None)
def t_quantile(p, df):
    """Quantile p (> 0.5) of Student's t with df degrees of freedom.

    With x = sqrt(df) tan(u), the CDF is 1/2 + C * integral from 0 to atan(x / sqrt(df)) of
    cos(u)^(df - 1) du, C = Gamma((df + 1) / 2) / (sqrt(pi) Gamma(df / 2)): a smooth integrand on
    [0, pi/2), integrated by Simpson's rule and inverted by bisection on the angle."""
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(math.pi)

    def cdf_at_angle(angle, steps=1000):
        h = angle / steps
        weights = sum((4 if k % 2 else 2) * math.cos(k * h) ** (df - 1) for k in range(1, steps))
        return 0.5 + scale * h / 3 * (1 + weights + math.cos(angle) ** (df - 1))

    low, high = 0.0, math.pi / 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf_at_angle(middle) < p else (low, middle)
    return math.sqrt(df) * math.tan((low + high) / 2)


def prediction_band(stats, coverage=BAND_COVERAGE, new_runs=1):
    """Where the mean of `new_runs` new runs falls with probability `coverage`, from n reference
    runs' mean and sd: mean +- t(df = n - 1) * sd * sqrt(1/new_runs + 1/n). With new_runs = 1 it
    is the band for one run."""
    n = stats["n"]
    half = (t_quantile(1 - (1 - coverage) / 2, n - 1) * stats["sd"]
            * math.sqrt(1 / new_runs + 1 / n))
    return [stats["mean"] - half, stats["mean"] + half]


@functools.lru_cache(maxsize=None)
def drift_detectable_shift(n_reference, n_new, power=DRIFT_POWER, trials=20000):
    """(shift, false alarm): the shift of the true mean, in standard deviations, that the drift
    gate catches with probability `power`, and the rate at which it fails runs that did not
    shift, both measured by simulation: `trials` sweeps of n_new normal runs judged against
    n_reference others, the same draws for every shift (so the power grows smoothly with it)."""
    import numpy
    rng = numpy.random.default_rng(0)
    reference = rng.standard_normal((trials, n_reference))
    new_means = rng.standard_normal((trials, n_new)).mean(axis=1)
    t = t_quantile(1 - DRIFT_FALSE_ALARM / 2, n_reference - 1)
    allowed = t * reference.std(axis=1, ddof=1) * math.sqrt(1 / n_new + 1 / n_reference)
    distance = new_means - reference.mean(axis=1)

    def caught(shift):
        return float(numpy.mean(numpy.abs(distance + shift) > allowed))

    low, high = 0.0, 50.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if caught(middle) < power else (low, middle)
    return high, caught(0.0)


def difference_interval(values, reference, confidence=EQUIVALENCE_CONFIDENCE):
    """(difference of the means, [low, high]): mean(values) - mean(reference) with its two-sided
    `confidence` interval by Welch's t (no equal variances assumed; Welch-Satterthwaite degrees
    of freedom, rounded down, which widens the interval a little). Both need two values or
    more."""
    a, b = describe(values), describe(reference)
    var_a, var_b = a["sd"] ** 2 / a["n"], b["sd"] ** 2 / b["n"]
    difference = a["mean"] - b["mean"]
    if var_a + var_b == 0:
        return difference, [difference, difference]
    df = (var_a + var_b) ** 2 / (var_a ** 2 / (a["n"] - 1) + var_b ** 2 / (b["n"] - 1))
    half = t_quantile(1 - (1 - confidence) / 2, max(1, math.floor(df))) * math.sqrt(var_a + var_b)
    return difference, [difference - half, difference + half]


def equivalence(values, reference, margin):
    """The two one-sided tests as an interval: "equivalent" when the 90 % interval of the
    difference lies inside (-margin, margin), "different" when it lies wholly outside, else
    "not shown"; with the difference and its interval."""
    difference, (low, high) = difference_interval(values, reference)
    if -margin < low and high < margin:
        verdict = "equivalent"
    elif high < -margin or low > margin:
        verdict = "different"
    else:
        verdict = "not shown"
    return dict(verdict=verdict, difference=difference, interval=[low, high], margin=margin)


def documented_check(values, documented):
    """Whether a documented figure lies in the band for one run made from this sweep's own runs:
    True/False with at least DOCUMENTED_MIN_RUNS runs, None (not judged) with fewer."""
    if documented is None or len(values) < DOCUMENTED_MIN_RUNS:
        return None
    low, high = prediction_band(describe(values))
    return low <= documented <= high


def summarize(records, epochs, baseline_records=()):
    """One row per metric with runs: statistics, and the verdict of each gate (module docstring).

    gates: {gate: True (passed) / False (failed)} of the gates that applied; not_gated: why the
    others did not. Only the faithful and as-is rows gate the exit status (gates_exit)."""
    reference_runs = independent_of(baseline_records, records)
    rows = []
    for kind, mode, metric, label in METRICS:
        values = metric_values(records, kind, mode, metric, epochs)
        if not values:
            continue
        stats = describe(values)
        reference, engine = reference_values(reference_runs, kind, mode, metric, epochs)
        row = dict(kind=kind, mode=mode, metric=metric, label=label, **stats, engine=engine,
                   documented=(DOCUMENTED.get(metric) if kind == "stacked" and mode == "faithful"
                               and epochs == DOCUMENTED_EPOCHS else None),
                   reference=describe(reference) if reference else None, band=None, drift=None,
                   outside=0, gates={}, not_gated=[], gates_exit=mode in GATING_MODES,
                   equivalence=None)
        if len(reference) >= 2:
            row["band"] = prediction_band(row["reference"])
            row["outside"] = sum(not row["band"][0] <= v <= row["band"][1] for v in values)
            row["gates"]["band"] = row["outside"] == 0
            if len(values) >= DRIFT_MIN_RUNS:
                row["drift"] = prediction_band(row["reference"], 1 - DRIFT_FALSE_ALARM,
                                               len(values))
                row["gates"]["drift"] = row["drift"][0] <= stats["mean"] <= row["drift"][1]
                shift, _ = drift_detectable_shift(len(reference), len(values))
                row["drift_detectable"] = shift * row["reference"]["sd"]
            else:
                row["not_gated"].append(f"drift: {len(values)} runs, {DRIFT_MIN_RUNS} needed")
        elif reference:
            row["not_gated"].append("1 baseline run at this setting: no spread known")
        elif metric_values(baseline_records, kind, mode, metric, epochs):
            row["not_gated"].append("the baseline's runs at this setting are this sweep's own")
        else:
            row["not_gated"].append("no baseline at this setting")
        if engine and metric in EQUIVALENCE_MARGINS:
            if min(len(values), len(reference)) >= 2:
                row["equivalence"] = equivalence(values, reference, EQUIVALENCE_MARGINS[metric])
                if row["equivalence"]["verdict"] != "not shown":
                    row["gates"]["equivalence"] = row["equivalence"]["verdict"] == "equivalent"
                else:
                    row["not_gated"].append("equivalence: the interval crosses the margin, "
                                            "too few runs to tell")
            else:
                row["not_gated"].append("equivalence: 2 runs or more needed on each side")
        if row["documented"] is not None:
            held = documented_check(values, row["documented"])
            if held is None:
                row["not_gated"].append(f"documented figure: {len(values)} runs, "
                                        f"{DOCUMENTED_MIN_RUNS} needed")
            else:
                row["gates"]["documented"] = held
        rows.append(row)
    return rows


def row_passed(row):
    """None when no gate applied to the row, else whether every gate that applied passed."""
    return all(row["gates"].values()) if row["gates"] else None


def exit_status(rows, records):
    """1 when a run failed or a gating row failed; EXIT_NOT_GATED when every run succeeded but no
    gate applied to any gating row (the sweep says nothing about a regression); else 0."""
    gating = [row for row in rows if row["gates_exit"]]
    if any(r["status"] != "ok" for r in records) or any(row_passed(r) is False for r in gating):
        return 1
    return 0 if any(row["gates"] for row in gating) else EXIT_NOT_GATED
