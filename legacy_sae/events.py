"""TensorBoard event files for the ports (`--logdir DIR`): the graph, every epoch's cost per
stage, and the test results, written with TF1's own `tf.summary.FileWriter`.

View them with `tensorboard --logdir DIR`. Without a log folder nothing is written.
"""
import contextlib

from legacy_sae.checks import writable_dir


class EventLog:
    """Scalars for TensorBoard; a no-op when made without a writer."""

    def __init__(self, writer, tf):
        self._writer, self._tf = writer, tf

    def scalar(self, tag, value, step):
        if self._writer is not None:
            summary = self._tf.Summary(value=[self._tf.Summary.Value(tag=tag,
                                                                     simple_value=float(value))])
            self._writer.add_summary(summary, step)
            self._writer.flush()


@contextlib.contextmanager
def event_log(logdir, tf):
    """An EventLog writing scalars into `logdir` (None: nothing), and at the end the default
    graph as it then stands, complete."""
    if logdir is None:
        yield EventLog(None, tf)
        return
    writer = tf.summary.FileWriter(writable_dir(logdir, "TensorBoard log folder"))
    try:
        yield EventLog(writer, tf)
        writer.add_graph(tf.get_default_graph())
    finally:
        writer.close()
