"""`compare`'s report: Markdown (printed and written to OUT/compare.md) and a plot
(OUT/compare.png). Rendering only: the answers come from `comparison`.
"""
import statistics

from legacy_sae.reference.comparison import DEFAULT_MARGIN, RULES, VERDICTS
from legacy_sae.regression.gates import EQUIVALENCE_CONFIDENCE

MAX_PANELS = 12


def _number(value):
    return "-" if value is None else f"{value:.6g}"


def _side(stats):
    if stats is None:
        return "not printed"
    if stats["n"] > 1 and stats["sd"] == 0:
        return f"{_number(stats['mean'])}, constant (n = {stats['n']})"
    spread = f" ± {_number(stats['sd'])}" if stats["n"] > 1 else ""
    return f"{_number(stats['mean'])}{spread} (n = {stats['n']})"


def _interval(row):
    if row["interval"] is None:
        return "-"
    low, high = row["interval"]
    return f"{row['difference']:+.3g} [{low:+.3g}, {high:+.3g}]"


def _runs_line(name, runs):
    """Runs, failures, median wall time and peak memory of one engine."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not runs:
        return f"- {name}: no runs"
    seconds = statistics.median(r["seconds"] for r in runs)
    memory = statistics.median(r["peak_rss_mib"] for r in runs)
    return (f"- {name}: {len(ok)} of {len(runs)} runs ok; median {seconds:.1f} s wall, "
            f"{memory:.0f} MiB peak; {_versions(runs[0])}")


def _versions(run):
    return ", ".join(f"{name} {version}" for name, version in sorted(run["versions"].items()))


def _failure(record):
    status, *tail = record["error"].splitlines()
    return f"{status}: {tail[-1]}" if tail else status


def render_markdown(script, rows, reference_runs, runs, failed, margin_sds, status, stop=None):
    theirs = reference_runs[0]["engine"] if reference_runs else "TensorFlow"
    ours = runs[0]["engine"] if runs else "legacy-sae"
    counts = {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICTS}
    lines = [f"# {script} on {theirs} and on {ours}", "",
             f"Machine: {(reference_runs or runs)[0]['machine']['platform']}, "
             f"{(reference_runs or runs)[0]['machine']['cpus']} CPUs.", "",
             _runs_line(theirs, reference_runs), _runs_line(ours, runs), "",
             "Figures: " + (", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)
                            or "none printed by a successful run") + f" (exit status {status}).",
             "",
             f"| figure | printing | {theirs} | {ours} | difference, "
             f"{100 * EQUIVALENCE_CONFIDENCE:g} % interval | margin | verdict |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['label']}` | {row['printing']} | {_side(row['reference'])} | "
                     f"{_side(row['ours'])} | {_interval(row)} | {_number(row['margin'])} | "
                     f"**{row['verdict']}**: {row['why']} |")
    for side, records in failed.items():
        lines += [f"- {side} run `{r['id']}` failed: {_failure(r)}" for r in records]
    if stop is not None:
        lines += ["", f"**The same outcome on both**: every run on both engines stopped at {stop} "
                      f"(TensorFlow: {_failure(reference_runs[0])}; legacy-sae: "
                      f"{_failure(runs[0])}); the figures above are those printed before it."]
    lines += ["", f"Difference: {ours} minus {theirs}. Margin: {margin_sds:g} x the sd of "
                  f"{theirs}'s runs (--margin, default {DEFAULT_MARGIN:g}). The four answers:", ""]
    lines += [f"- **{verdict}**: {rule}" for verdict, rule in RULES.items()]
    return "\n".join(lines) + "\n"


def render_plot(rows, names, path):
    """One panel per figure that varies, up to MAX_PANELS: each run a point, TensorFlow left and
    legacy-sae right (`names`: the two engines), the verdict in the title."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    varying = [row for row in rows if row["reference"] and row["ours"]
               and (row["reference"]["sd"] > 0 or row["ours"]["sd"] > 0)][:MAX_PANELS]
    columns = min(3, max(1, len(varying)))
    rows_of_panels = max(1, -(-len(varying) // columns))
    figure, axes = plt.subplots(rows_of_panels, columns,
                                figsize=(5 * columns, 3.6 * rows_of_panels), squeeze=False)
    for axis, row in zip(axes.flat, varying):
        for position, values in enumerate(row["values"]):
            axis.scatter([position + 0.08 * ((k % 5) - 2) for k in range(len(values))], values,
                         color=f"C{position}", zorder=3)
        axis.set_xticks([0, 1], names)
        axis.set_xlim(-0.6, 1.6)
        axis.set_title(f"{row['label']} ({row['printing']})\n{row['verdict']}", fontsize=9)
    for axis in list(axes.flat)[len(varying):]:
        axis.axis("off")
        if not varying:
            axis.text(0.5, 0.5, "no figure varies between runs", ha="center", va="center")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
