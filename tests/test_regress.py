"""legacy-sae regress: statistics, bands, resume and rendering on synthetic records, and one
real two-run sweep through the CLI."""
import json
import os
import sys

import pytest

from legacy_sae import regress, sda
from conftest import run_cli


def record(seed, mode="faithful", before=0.86, after=0.976, epochs=20, status="ok"):
    run = dict(id=f"stacked-{mode}-e{epochs}-s{seed}", kind="stacked", mode=mode, seed=seed,
               epochs=epochs, status=status)
    if status == "ok":
        run["result"] = dict(accuracy_before_finetuning=before, accuracy_after_finetuning=after)
    else:
        run["error"] = "exit status 1\nTraceback (most recent call last):\n  ...\nMemoryError"
    return run


def baseline():
    befores = [0.84, 0.85, 0.86, 0.87, 0.88]
    return [record(k, before=b, after=0.975 + 0.001 * k) for k, b in enumerate(befores)]


def row(rows, mode, metric):
    return next(r for r in rows if r["mode"] == mode and r["metric"] == metric)


def test_statistics():
    stats = regress.describe([1.0, 2.0, 3.0, 4.0])
    assert stats == dict(n=4, mean=2.5, sd=pytest.approx(1.2909944), min=1.0, max=4.0)
    assert regress.describe([5.0])["sd"] == 0.0


def test_t_quantiles_match_the_tables():
    for p, df, expected in [(0.975, 9, 2.262), (0.9995, 9, 4.781), (0.9995, 1, 636.6),
                            (0.995, 4, 4.604), (0.9995, 500, 3.310)]:
        assert regress.t_quantile(p, df) == pytest.approx(expected, rel=1e-3)


def test_band_is_the_999_prediction_interval_of_the_baseline():
    rows = regress.summarize([record(9, before=0.865)], 20, baseline())
    before = row(rows, "faithful", "accuracy_before_finetuning")
    sd = regress.describe([0.84, 0.85, 0.86, 0.87, 0.88])["sd"]
    half = 8.610 * sd * (1 + 1 / 5) ** 0.5  # t(0.9995, 4 df)
    assert before["band"] == pytest.approx([0.86 - half, 0.86 + half], rel=1e-3)
    assert before["band_source"] == "baseline" and before["passed"]
    assert regress.exit_status(rows, [record(9)]) == 0


def test_documented_figures_belong_to_the_50_epoch_setting_only():
    at_50 = [dict(r, epochs=50) for r in baseline()]
    before = row(regress.summarize(at_50, 50, at_50), "faithful", "accuracy_before_finetuning")
    assert before["documented"] == 0.8697 and not before["band_excludes_documented"]
    before = row(regress.summarize(baseline(), 20, baseline()), "faithful",
                 "accuracy_before_finetuning")
    assert before["documented"] is None and not before["band_excludes_documented"]


def test_a_single_run_has_no_band():
    rows = regress.summarize([record(1, epochs=3)], 3)
    assert row(rows, "faithful", "accuracy_before_finetuning")["band"] is None
    assert "none: 1 run (this sweep)" in regress.render_markdown(rows, [record(1, epochs=3)], 3,
                                                                 {}, [])


def test_a_faithful_run_outside_its_band_fails_the_sweep():
    runs = [record(9, before=0.60)]
    rows = regress.summarize(runs, 20, baseline())
    before = row(rows, "faithful", "accuracy_before_finetuning")
    assert before["outside"] == 1 and not before["passed"]
    assert regress.exit_status(rows, runs) == 1
    assert "FAIL, 1 outside band" in regress.render_markdown(rows, runs, 20, {}, [])


def test_a_dae_run_outside_the_recorded_baseline_band_fails_the_sweep():
    """The DAE is faithful too: its test errors are held to the bands of the shipped baseline."""
    shipped = regress.load_baseline()
    gaussian = regress.metric_values(shipped, "dae", "faithful", "gaussian_mse", 20)
    assert len(gaussian) >= 10
    worse = dict(id="dae-faithful-e20-s99", kind="dae", mode="faithful", seed=99, epochs=20,
                 status="ok", result=dict(gaussian_mse=2 * max(gaussian), salt_pepper_mse=0.0135))
    rows = regress.summarize([worse], 20, shipped)
    gaussian_row = next(r for r in rows if r["metric"] == "gaussian_mse")
    assert gaussian_row["band_source"] == "baseline" and gaussian_row["outside"] == 1
    assert regress.exit_status(rows, [worse]) == 1


def test_a_band_that_excludes_the_documented_figure_fails():
    tight = [record(k, after=0.990 + 0.0001 * k, epochs=50) for k in range(4)]
    rows = regress.summarize(tight, 50)
    after = row(rows, "faithful", "accuracy_after_finetuning")
    assert after["band_source"] == "this sweep" and after["band_excludes_documented"]
    assert regress.exit_status(rows, tight) == 1
    # At other settings, the complete listing's 20 epochs included, they do not apply.
    for epochs in (2, 20):
        other = [dict(r, epochs=epochs) for r in tight]
        assert regress.exit_status(regress.summarize(other, epochs), other) == 0


def test_the_recorded_baseline_holds_both_settings():
    """Ten faithful and ten corrected runs per setting; the documented figures lie inside the
    faithful bands of the 50-epoch runs, the setting they came from."""
    shipped = regress.load_baseline()
    for epochs in (20, 50):
        for mode in ("faithful", "carry"):
            assert len(regress.metric_values(shipped, "stacked", mode, "accuracy_after_finetuning",
                                             epochs)) >= 10, (epochs, mode)
    rows = regress.summarize(shipped, 50, shipped)
    documented = [r for r in rows if r["documented"] is not None]
    assert len(documented) == 2
    assert all(r["band_source"] == "baseline" and r["passed"] for r in documented)


def test_the_recorded_sda_runs_reach_the_published_accuracy():
    """Three runs of `legacy-sae sda --fast` (benchmarks/sda_benchmark.py), each at or above the
    LISA tutorial's published 98.70 %, and with the setting FAST_SETTINGS still holds."""
    with open(regress.SDA_BASELINE) as stream:
        runs = json.load(stream)["runs"]
    values = regress.metric_values(runs, "sda", "fast", "test_accuracy", None)
    assert len(values) >= 3 and min(values) >= 0.987
    assert all(run["result"]["settings"] == json.loads(json.dumps(vars(sda.FAST_SETTINGS)))
               for run in runs)


def test_the_report_shows_both_settings_side_by_side():
    shipped = regress.load_baseline()
    sweep = [record(1, before=0.50, epochs=20)]
    settings = regress.settings_summary(sweep, 20, shipped)
    assert [len(runs) for runs, _ in settings.values()] == [1, 20]  # the sweep's, the baseline's
    report = regress.render_markdown(regress.summarize(sweep, 20, shipped), sweep, 20, settings,
                                     [])
    header = next(line for line in report.splitlines() if line.startswith("| test accuracy"))
    assert "complete listing (20 epochs) | step-by-step section (50 epochs" in header
    before = next(line for line in report.splitlines()
                  if line.startswith("| before fine-tuning | faithful |"))
    assert "| 86.97 % (50 epochs) | 50.00 % ± 0.00 % (1 runs), band " in before
    assert before.endswith("holds documented: yes |")


def test_corrected_runs_are_reported_but_do_not_gate():
    runs = [record(1), record(1, mode="carry", before=0.2)]
    base = baseline() + [record(k, mode="carry", before=0.92 + 0.001 * k) for k in range(3)]
    rows = regress.summarize(runs, 20, base)
    carry = row(rows, "carry", "accuracy_before_finetuning")
    assert not carry["passed"] and not carry["gates_exit"]
    assert regress.exit_status(rows, runs) == 0
    assert "FAIL (info)" in regress.render_markdown(rows, runs, 20, {}, [])


def test_failed_runs_are_reported_not_dropped():
    runs = [record(1), record(2, status="failed")]
    rows = regress.summarize(runs, 20, baseline())
    assert row(rows, "faithful", "accuracy_before_finetuning")["n"] == 1
    assert regress.exit_status(rows, runs) == 1
    report = regress.render_markdown(rows, runs, 20, {}, [])
    assert "1 runs succeeded, 1 failed" in report
    assert "- `stacked-faithful-e20-s2`: exit status 1: MemoryError" in report


def sda_record(seed, accuracy):
    return dict(id=f"sda-fast-s{seed}", kind="sda", mode="fast", seed=seed, epochs=None,
                status="ok", result=dict(test_accuracy=accuracy))


def test_report_renders_table_side_by_side_and_plot(tmp_path):
    runs = [dict(r, epochs=50) for r in baseline()]
    sda_runs = [sda_record(1, 0.9871), sda_record(2, 0.9875)]
    rows = regress.summarize(runs + sda_runs, 50)
    settings = regress.settings_summary(runs, 50, regress.load_baseline())
    report = regress.render_markdown(rows, runs, 50, settings, sda_runs)
    assert "| accuracy before fine-tuning | faithful | 86.97 % | 86.00 % |" in report
    assert "| SdA test accuracy at the best validation epoch | SdA (`legacy-sae sda --fast`) | - " \
           "| 98.73 % |" in report
    side = report[report.index("## Stacking side by side"):].splitlines()
    assert "| tutorial, faithful, 50 epochs per stage | 5 | 97.70 % ± 0.16 % | " \
           "97.50 % - 97.90 % |" in side
    assert "| SdA (`legacy-sae sda --fast`) | 2 | 98.73 % ± 0.03 % | 98.71 % - 98.75 % |" in side
    assert "| Vincent et al. 2010, JMLR, SdA-3 (published test error 1.28 % ± 0.10 %) | - | " \
           "98.72 % | - |" in side
    regress.render_plot(settings, sda_runs, str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_an_sda_sweep_runs_the_fast_setting_and_resumes_its_runs():
    specs = regress.planned_runs(2, "sda", 20, seed=3)
    assert specs == [dict(id="sda-fast-s3", kind="sda", mode="fast", seed=3, epochs=None),
                     dict(id="sda-fast-s4", kind="sda", mode="fast", seed=4, epochs=None)]
    command = regress._command(specs[0], "out")
    assert command[3:6] == ["sda", "--seed", "3"] and "--fast" in command
    assert "--fresh" not in command and "--epochs" not in command
    assert command[command.index("--checkpoint-dir") + 1] == os.path.join("out", "checkpoints",
                                                                          "sda-fast-s3")
    # With no stacked runs of its own, the report's tutorial columns come from the baseline.
    shipped = regress.load_baseline()
    settings = regress.settings_summary([sda_record(3, 0.987)], 20, shipped)
    assert [len(runs) for runs, _ in settings.values()] == [20, 20]


def test_resume_skips_recorded_runs(tmp_path):
    specs = regress.planned_runs(2, "both", 3, seed=5)
    assert [s["id"] for s in specs] == [
        "stacked-faithful-e3-s5", "stacked-carry-e3-s5", "dae-faithful-e3-s5",
        "stacked-faithful-e3-s6", "stacked-carry-e3-s6", "dae-faithful-e3-s6"]
    (tmp_path / "runs").mkdir()
    for spec in specs[:2]:
        (tmp_path / "runs" / f"{spec['id']}.json").write_text(json.dumps(dict(spec, status="ok")))
    assert sorted(regress.load_records(str(tmp_path))) == sorted(s["id"] for s in specs[:2])


def test_real_two_run_sweep_and_its_resume(tmp_path):
    out = tmp_path / "sweep"
    args = ["regress", "--runs", "2", "--mode", "faithful", "--epochs", "1", "--out", out]
    result = run_cli(*args, cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "4 runs planned, 0 already recorded" in result.stdout
    assert "[stacked-faithful-e1-s1] stage 3/4 softmax: epoch 1/1" in result.stdout
    with open(out / "results.json") as stream:
        results = json.load(stream)
    assert [r["status"] for r in results["runs"]] == ["ok"] * 4
    assert results["versions"]["tensorflow"].startswith("2.")
    accuracies = [r["result"]["accuracy_after_finetuning"] for r in results["runs"]
                  if r["kind"] == "stacked"]
    assert len(accuracies) == 2 and all(0.8 < a < 1 for a in accuracies)
    assert {"report.md", "report.png", "results.json", "runs"} <= set(os.listdir(out))
    assert "| DAE test MSE, gaussian noise 0.3 | faithful |" in (out / "report.md").read_text()

    # Same command again: everything is recorded, nothing runs.
    again = run_cli(*args, cwd=tmp_path, timeout=300)
    assert again.returncode == 0 and "4 runs planned, 4 already recorded" in again.stdout
    assert "started" not in again.stdout


def test_bad_arguments(tmp_path):
    result = run_cli("regress", "--runs", "0", "--out", tmp_path / "x", cwd=tmp_path)
    assert result.returncode == 2 and "--runs must be a whole number" in result.stderr
    result = run_cli("regress", "--baseline", "missing.json", "--out", tmp_path / "x",
                     cwd=tmp_path)
    assert result.returncode == 2 and "No baseline file at 'missing.json'" in result.stderr
    result = run_cli("regress", "--documented", "--epochs", "20", "--out", tmp_path / "x",
                     cwd=tmp_path)
    assert result.returncode == 2 and "cannot be combined with --epochs 20" in result.stderr
    result = run_cli("regress", "--mode", "sda", "--documented", "--out", tmp_path / "x",
                     cwd=tmp_path)
    assert result.returncode == 2 and "leave out --epochs and --documented" in result.stderr


def test_a_crashing_run_is_recorded_as_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(regress, "_command", lambda spec, out, logdir: [
        sys.executable, "-c", "import sys; print('[legacy-sae] stage 1/4: epoch 1/1', "
                              "file=sys.stderr); raise MemoryError('out of memory')"])
    (tmp_path / "runs").mkdir()
    spec = regress.planned_runs(1, "faithful", 1, seed=3, dae=False)[0]
    said = []
    record = regress.execute(spec, str(tmp_path), said.append)
    assert record["status"] == "failed" and record["error"].startswith("exit status 1\n")
    assert regress.failure_summary(record["error"]) == "exit status 1: MemoryError: out of memory"
    assert said[1] == "[stacked-faithful-e1-s3] stage 1/4: epoch 1/1"
    assert regress.load_records(str(tmp_path))[spec["id"]]["status"] == "failed"


def test_logdir_gives_each_run_its_own_event_folder(tmp_path):
    spec = regress.planned_runs(1, "faithful", 2, seed=4, dae=False)[0]
    command = regress._command(spec, str(tmp_path / "out"), str(tmp_path / "events"))
    at = command.index("--logdir")
    assert command[at + 1] == str(tmp_path / "events" / "stacked-faithful-e2-s4")
    assert "--logdir" not in regress._command(spec, str(tmp_path / "out"))
