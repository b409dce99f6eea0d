"""The sweep's report: Markdown (printed and written to OUT/report.md) and a plot (report.png).

One row per metric with its gates' verdicts, which gates applied to which rows with their false
alarms and the drift gate's power, the tutorial's two settings side by side, and every way of
stacking beside the published SdA results. Rendering only: the verdicts come from `gates`.
"""
from legacy_sae.regression.gates import (BAND_COVERAGE, DOCUMENTED_MIN_RUNS, DRIFT_FALSE_ALARM,
                                         DRIFT_POWER, EQUIVALENCE_CONFIDENCE, EXIT_NOT_GATED,
                                         GATES, describe,
                                         documented_check, prediction_band, row_passed)
from legacy_sae.documented import (DOCUMENTED, DOCUMENTED_EPOCHS, LISTING_EPOCHS, LITERATURE,
                                   SETTINGS)
from legacy_sae.regression.plan import METRICS, MODE_NAMES
from legacy_sae.regression.records import metric_values


def _pct(value, digits=2):
    return "-" if value is None else f"{100 * value:.{digits}f} %"


def _formatter(kind):
    """Accuracies as percentages, DAE errors as plain numbers."""
    return _pct if kind != "dae" else (lambda v, digits=5: "-" if v is None else f"{v:.{digits}f}")


def failure_summary(error):
    """'exit status N: <last line of its stderr>', the line that names the exception."""
    status, *tail = error.splitlines()
    return f"{status}: {tail[-1]}" if tail else status


def band_text(band, fmt):
    return "none: 1 run" if band is None else f"{fmt(band[0])} - {fmt(band[1])}"


def verdict(row):
    """The row's result as the report prints it."""
    passed = row_passed(row)
    if passed is None:
        text = "not gated: " + "; ".join(row["not_gated"])
    else:
        failed = {"band": f"{row['outside']} outside band", "drift": "mean drifted",
                  "documented": "documented figure outside this sweep's band",
                  "equivalence": f"different from {row['engine']}"}
        text = "PASS" if passed else "FAIL, " + ", ".join(
            failed[gate] for gate, held in row["gates"].items() if not held)
    return text if row["gates_exit"] else text + " (info)"


def gates_summary(rows):
    """Which gates applied to which rows, with their false-alarm rates and the drift gate's
    power."""
    gating = [row for row in rows if row["gates_exit"]]
    lines = []
    for gate, what in GATES.items():
        names = [f"{row['label']} ({MODE_NAMES[row['mode']]})" for row in gating
                 if gate in row["gates"]]
        lines.append(f"- **{gate}** ({what}): "
                     + ("; ".join(names) if names else "applied to no row"))
        if gate != "drift":
            continue
        for row in gating:
            if "drift" in row["gates"]:
                points = (lambda v: f"{100 * v:.2f} points") if row["kind"] != "dae" else (
                    lambda v: f"{v:.5f}")
                lines.append(f"  - power, {row['label']}: a shift of the mean by "
                             f"{points(row['drift_detectable'])} (baseline sd "
                             f"{points(row['reference']['sd'])}) is caught "
                             f"{100 * DRIFT_POWER:g} % of the time with these {row['n']} runs "
                             f"against the baseline's {row['reference']['n']}")
    ungated = [f"{row['label']} ({MODE_NAMES[row['mode']]}): {'; '.join(row['not_gated'])}"
               for row in gating if row["not_gated"]]
    if ungated:
        lines.append("- **not gated**: " + ", ".join(ungated))
    if not any(row["gates"] for row in gating):
        lines.append(f"- No gate applied: exit status {EXIT_NOT_GATED} says that every run "
                     f"ended but nothing was judged.")
    return lines


def setting_rows(runs, setting):
    """The stacked rows of one setting, for the side-by-side table: each mode's statistics over
    `runs`, the band for one run made from them, and at the documented setting whether the
    documented figure lies in it (judged with at least DOCUMENTED_MIN_RUNS runs)."""
    rows = []
    for kind, mode, metric, label in METRICS:
        values = metric_values(runs, kind, mode, metric, setting) if kind == "stacked" else []
        if not values:
            continue
        stats = describe(values)
        documented = (DOCUMENTED.get(metric) if mode == "faithful"
                      and setting == DOCUMENTED_EPOCHS else None)
        rows.append(dict(mode=mode, metric=metric, label=label, **stats,
                         band=prediction_band(stats) if len(values) >= 2 else None,
                         documented=documented,
                         documented_in_band=documented_check(values, documented)))
    return rows


def settings_summary(records, epochs, baseline_records):
    """The tutorial's two settings side by side: {setting: (runs, source, rows)}, with this sweep's
    runs at its own setting (the baseline's when it ran none there) and the baseline's at the
    other."""
    summary = {}
    for setting in SETTINGS:
        def stacked_at(runs):
            return [r for r in runs if r["kind"] == "stacked" and r["epochs"] == setting]
        own = stacked_at(records) if setting == epochs else []
        runs, source = (own, "this sweep") if own else (stacked_at(baseline_records), "baseline")
        summary[setting] = runs, source, setting_rows(runs, setting)
    return summary


def sda_records(records, baseline_records):
    """The SdA runs to show beside the tutorial: this sweep's, else the baseline's."""
    return ([r for r in records if r["kind"] == "sda"]
            or [r for r in baseline_records if r["kind"] == "sda"])


def side_by_side(settings, sda):
    """(name, short name, test accuracies) of each way of stacking: the tutorial after
    fine-tuning at both settings and in both modes, then the SdA."""
    rows = []
    for setting, (runs, _, _) in settings.items():
        for mode in ("faithful", "corrected"):
            values = metric_values(runs, "stacked", mode, "accuracy_after_finetuning", setting)
            rows.append((f"tutorial, {MODE_NAMES[mode]}, {setting} epochs per stage",
                         f"{mode}\n{setting} epochs", values))
    rows.append((MODE_NAMES["fast"], "SdA\n--fast",
                 metric_values(sda, "sda", "fast", "test_accuracy", None)))
    return rows


def _settings_table(settings):
    lines = ["| test accuracy | mode | documented | "
             + " | ".join(f"{SETTINGS[setting]}, {source}'s runs"
                          for setting, (_, source, _) in settings.items()) + " |",
             "|---|---|---|" + "---|" * len(settings)]
    for kind, mode, metric, label in METRICS:
        if kind != "stacked":
            continue
        cells = []
        for setting, (_, _, rows) in settings.items():
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                cells.append("not recorded")
                continue
            cell = f"{_pct(row['mean'])} ± {_pct(row['sd'])} ({row['n']} runs), band " \
                   f"{band_text(row['band'], _pct)}"
            if row["documented"] is not None:
                cell += (f", holds documented: {'yes' if row['documented_in_band'] else 'no'}"
                         if row["documented_in_band"] is not None
                         else f", documented not judged (under {DOCUMENTED_MIN_RUNS} runs)")
            cells.append(cell)
        documented = (f"{_pct(DOCUMENTED[metric])} ({DOCUMENTED_EPOCHS} epochs)"
                      if mode == "faithful" else "-")
        lines.append(f"| {label.replace('accuracy ', '')} | {MODE_NAMES[mode]} | {documented} | "
                     + " | ".join(cells) + " |")
    return lines


def equivalence_section(rows):
    """This sweep beside real TensorFlow 1.x, where the baseline was recorded on it."""
    judged = [row for row in rows if row["equivalence"] is not None]
    if not judged:
        return []
    engine = judged[0]["engine"].replace("tensorflow-", "TensorFlow ")
    lines = ["", f"## Beside real {engine}", "",
             f"The difference of the means (this sweep minus {engine}) with its "
             f"{100 * EQUIVALENCE_CONFIDENCE:g} % interval, against the margin within which the "
             f"two count as the same result (two one-sided tests).", "",
             f"| metric | mode | this sweep | {engine} | difference | "
             f"{100 * EQUIVALENCE_CONFIDENCE:g} % interval | margin | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for row in judged:
        test, reference = row["equivalence"], row["reference"]
        lines.append(f"| {row['label']} | {MODE_NAMES[row['mode']]} | {_pct(row['mean'])} ± "
                     f"{_pct(row['sd'])} ({row['n']}) | {_pct(reference['mean'])} ± "
                     f"{_pct(reference['sd'])} ({reference['n']}) | "
                     f"{100 * test['difference']:+.2f} points | {100 * test['interval'][0]:+.2f} "
                     f"to {100 * test['interval'][1]:+.2f} | ± {100 * test['margin']:.1f} | "
                     f"{test['verdict']} |")
    return lines


def render_markdown(rows, records, epochs, settings, sda):
    """The report; `epochs` is the sweep's epochs per stage, None for an SdA sweep."""
    ok = [r for r in records if r["status"] == "ok"]
    what = f"{epochs} epochs per stage" if epochs else "stacked denoising autoencoder"
    lines = [f"# legacy-sae regression report ({what})", "",
             f"{len(ok)} runs succeeded, {len(records) - len(ok)} failed. Each run is judged "
             f"against the baseline's runs at the same setting, never against this sweep's own: "
             f"its band holds one run {100 * BAND_COVERAGE:g} % of the time; the drift limits "
             f"hold the mean of this sweep's runs {100 * (1 - DRIFT_FALSE_ALARM):g} % of the "
             f"time. The documented accuracies are checked at {DOCUMENTED_EPOCHS} epochs per "
             f"stage, the setting they came from, against the band made from this sweep's runs "
             f"(with {DOCUMENTED_MIN_RUNS} or more).", "",
             "| metric | mode | documented | mean | sd | min | max | band for one run "
             "(baseline) | drift limits for the mean | runs | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        fmt = _formatter(row["kind"])
        sd = fmt(row["sd"], 3 if row["kind"] != "dae" else 5)
        limits = "-" if row["drift"] is None else band_text(row["drift"], fmt)
        band = "-" if row["reference"] is None else band_text(row["band"], fmt)
        lines.append(f"| {row['label']} | {MODE_NAMES[row['mode']]} | {fmt(row['documented'])} "
                     f"| {fmt(row['mean'])} | {sd} | {fmt(row['min'])} | {fmt(row['max'])} | "
                     f"{band} | {limits} | {row['n']} | {verdict(row)} |")
    lines += ["", "## Gates", "", *gates_summary(rows)]
    lines += equivalence_section(rows)
    lines += ["", "## The tutorial's two settings", "",
              f"Its complete listing trains {LISTING_EPOCHS} epochs per stage; its step-by-step "
              f"section, whose run gave the documented accuracies, {DOCUMENTED_EPOCHS}. Each "
              f"column's statistics and band come from the runs it names; on the baseline's runs "
              f"'holds documented' is a statement about the recorded baseline, not a verdict on "
              f"this sweep.", "", *_settings_table(settings)]
    lines += ["", "## Stacking side by side", "",
              "Test accuracy after fine-tuning: the tutorial's stacked autoencoder, the stacked "
              "denoising autoencoder done as published (SdA), and the published SdA results "
              "(reference rows, not re-run here). Runs of this sweep where it has them, else of "
              "the baseline.", "",
              "| model | runs | mean ± sd | min - max |", "|---|---|---|---|"]
    for name, _, values in side_by_side(settings, sda):
        if values:
            stats = describe(values)
            lines.append(f"| {name} | {stats['n']} | {_pct(stats['mean'])} ± "
                         f"{_pct(stats['sd'])} | {_pct(stats['min'])} - {_pct(stats['max'])} |")
        else:
            lines.append(f"| {name} | 0 | not recorded | - |")
    for name, error, spread in LITERATURE:
        published = f" ± {_pct(spread)}" if spread else ""
        lines.append(f"| {name} (published test error {_pct(error)}{published}) | - | "
                     f"{_pct(1 - error)} | - |")
    failed = [r for r in records if r["status"] != "ok"]
    if failed:
        lines += ["", "Failed runs (delete a run's record in runs/ to run it again):", ""]
        lines += [f"- `{r['id']}`: {failure_summary(r['error'])}" for r in failed]
    return "\n".join(lines) + "\n"


def _scatter_runs(axis, position, values, color):
    """One point per run at x = position, spread sideways so that equal values stay visible."""
    jitter = [position + 0.2 * ((k % 5) - 2) / 2 for k in range(len(values))]
    axis.scatter(jitter, [100 * v for v in values], color=color, zorder=3)


def render_plot(settings, sda, path):
    """Each run a point, bands shaded, documented values dashed at the setting they came from;
    faithful beside corrected, the two settings side by side. A third panel puts the accuracy
    after fine-tuning of every way of stacking beside the SdA and the published SdA results."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("accuracy_before_finetuning", "before fine-tuning"),
               ("accuracy_after_finetuning", "after fine-tuning")]
    groups = [(setting, mode) for setting in settings for mode in ("faithful", "corrected")]
    figure, axes = plt.subplots(1, 3, figsize=(18, 5))
    for axis, (metric, title) in zip(axes, metrics):
        for position, (setting, mode) in enumerate(groups):
            runs, _, rows = settings[setting]
            values = metric_values(runs, "stacked", mode, metric, setting)
            row = next((r for r in rows if r["metric"] == metric and r["mode"] == mode), None)
            if row is None:
                continue
            color = "C0" if mode == "faithful" else "C1"
            if row["band"]:
                axis.fill_between([position - 0.3, position + 0.3], *[100 * b for b in row["band"]],
                                  color=color, alpha=0.2,
                                  label=f"{MODE_NAMES[mode]} band" if position < 2 else None)
            _scatter_runs(axis, position, values, color)
            if row["documented"] is not None:
                axis.hlines(100 * row["documented"], position - 0.45, position + 0.45,
                            color="k", linestyle="--",
                            label=f"documented {100 * row['documented']:.2f} %")
        axis.set_xticks(range(len(groups)),
                        [f"{mode}\n{setting} epochs" for setting, mode in groups])
        axis.set_xlim(-0.6, len(groups) - 0.4)
        axis.set_title(f"test accuracy {title}")
        axis.set_ylabel("%")
        axis.legend(fontsize=8)
    rows = side_by_side(settings, sda)
    axis = axes[2]
    for position, (_, short, values) in enumerate(rows):
        _scatter_runs(axis, position, values,
                      "C2" if short.startswith("SdA") else "C0" if "faithful" in short else "C1")
    for (name, error, _), style in zip(LITERATURE, ("--", ":")):
        axis.axhline(100 * (1 - error), color="k", linestyle=style,
                     label=f"{name.split(',')[0]}: {100 * (1 - error):.2f} %")
    axis.set_xticks(range(len(rows)), [short for _, short, _ in rows])
    axis.set_title("test accuracy after fine-tuning: the tutorial and the SdA")
    axis.set_ylabel("%")
    axis.legend(fontsize=8)
    figure.suptitle("legacy-sae stacked autoencoder: the complete listing's 20 epochs per stage "
                    "and the documented 50, beside a stacked denoising autoencoder")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
