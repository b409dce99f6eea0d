"""Regression sweeps: many runs of the tutorial, judged against a recorded baseline.

One job per module, each depending only on those listed above it:

  plan      the metrics, the planned runs and the command each runs (the tutorial's settings
            and documented figures are `legacy_sae.documented`'s)
  records   run records (one file per run), the recorded baselines, the machine and versions
  gates     statistics and the gates (bands, drift, the documented figures), with their power
  report    the Markdown report and its plot
  local     the local executor: runs as processes on this machine (`legacy_sae.processes`)
  ray       the Ray executor: runs as tasks on a cluster (imported only for --ray)
  command   `legacy-sae regress`: its options, and the sweep from plan to exit status

An executor is one function, `run(todo, args, say, keep)` (see `local`); it makes each run's
record with `records.run_record`, and nothing below it imports an executor.
"""
