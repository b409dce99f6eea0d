"""Real TensorFlow 1.x as the reference: a TF1-era script run unmodified on the release it was
written for, beside legacy-sae on the same machine.

  environments  one Python 3.6 virtualenv per TensorFlow release, made once in the cache folder
  runs          one run in a fresh folder on either engine, and its record
  session       what both commands share: their arguments, the engines, run ids, the --out
                folder's identity, running the runs not yet recorded, results.json
  comparison    two engines' runs figure by figure: agree, differ, too few, not comparable
  report        `compare`'s Markdown and plot
  command       `legacy-sae reference`: N runs on one engine
  compare       `legacy-sae compare`: N runs on each engine, alternating, then the comparison

The two commands are thin: neither imports the other. Each run is a child process of
`legacy_sae.processes`, the runner `regress` uses too.
"""
