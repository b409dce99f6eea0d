"""Real TensorFlow 1.x as the reference: a TF1-era script run unmodified on the release it was
written for, beside legacy-sae on the same machine.

  environments  one Python 3.6 virtualenv per TensorFlow release, made once in the cache folder
  runs          one run in a fresh folder on either engine, and its record
  command       `legacy-sae reference`: N runs, recorded and reused
"""
