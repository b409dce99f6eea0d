"""The cells of TF 1.8's `tf.contrib.rnn` that `tf.compat.v1.nn.rnn_cell` lacks, written here
on its RNN cell API (tf-keras's `RNNCell`) from their documented behaviour, with TF 1.8's
variable names so that checkpoints cross.

  OutputProjectionWrapper(cell, output_size, activation=None)
      the wrapped cell's output projected: activation(output . kernel + bias)
  InputProjectionWrapper(cell, num_proj, activation=None)
      the input projected before the wrapped cell sees it
  EmbeddingWrapper(cell, embedding_classes, embedding_size, initializer=None)
      integer inputs looked up in an `embedding` variable before the wrapped cell sees them

TF 1.8 builds each projection with its `_Linear`: a `kernel` [depth, size] from the variable
scope's initializer and a `bias` [size] starting at zero, made in the wrapper's own scope
(`rnn/output_projection_wrapper/kernel`), with the wrapped cell's variables beneath it
(`rnn/output_projection_wrapper/basic_rnn_cell/kernel`). The classes are made when
`tf.contrib.rnn` is first used (`served`), since tf-keras loads only then.
"""

import math

KERNEL, BIAS = "kernel", "bias"  # TF 1.8's _WEIGHTS_VARIABLE_NAME and _BIAS_VARIABLE_NAME
EMBEDDING = "embedding"


def served(v1):
    """{name: class} of the cells written here, on the RNN cell API of `v1` (tf.compat.v1)."""

    def linear(inputs, size):
        """inputs . kernel + bias, both made in the current variable scope as TF 1.8's
        _Linear makes them."""
        kernel = v1.get_variable(KERNEL, [inputs.shape[1], size], dtype=inputs.dtype)
        bias = v1.get_variable(BIAS, [size], dtype=inputs.dtype,
                               initializer=v1.constant_initializer(0.0, dtype=inputs.dtype))
        return v1.nn.bias_add(v1.matmul(inputs, kernel), bias)

    class _Wrapper(v1.nn.rnn_cell.RNNCell):
        """A cell around `cell`: its state, its zero state and (unless overridden) its output."""

        def __init__(self, cell, reuse):
            super().__init__(_reuse=reuse)
            if not isinstance(cell, v1.nn.rnn_cell.RNNCell):
                raise TypeError("The parameter cell is not RNNCell.")
            self._cell = cell

        @property
        def state_size(self):
            return self._cell.state_size

        @property
        def output_size(self):
            return self._cell.output_size

        def zero_state(self, batch_size, dtype):
            with v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
                return self._cell.zero_state(batch_size, dtype)

    class _Projection(_Wrapper):
        def __init__(self, cell, size, activation, reuse):
            super().__init__(cell, reuse)
            self._size, self._activation = size, activation

        def _project(self, inputs):
            projected = linear(inputs, self._size)
            return self._activation(projected) if self._activation else projected

    class OutputProjectionWrapper(_Projection):
        """`cell` with its output projected to `output_size`: (activation(output . W + b),
        the cell's new state)."""

        def __init__(self, cell, output_size, activation=None, reuse=None):
            super().__init__(cell, output_size, activation, reuse)
            if output_size < 1:
                raise ValueError(f"Parameter output_size must be > 0: {output_size}.")

        @property
        def output_size(self):
            return self._size

        def call(self, inputs, state):
            output, new_state = self._cell(inputs, state)
            return self._project(output), new_state

    class InputProjectionWrapper(_Projection):
        """`cell` fed activation(inputs . W + b), of depth `num_proj`, instead of its inputs.
        `input_size` is accepted and ignored, as TF 1.8 did."""

        def __init__(self, cell, num_proj, activation=None, input_size=None, reuse=None):
            super().__init__(cell, num_proj, activation, reuse)

        def call(self, inputs, state):
            return self._cell(self._project(inputs), state)

    class EmbeddingWrapper(_Wrapper):
        """`cell` fed the embeddings of its integer inputs: a variable `embedding`
        [embedding_classes, embedding_size] on the CPU, initialised by `initializer`, else the
        variable scope's, else uniformly in [-sqrt(3), sqrt(3)] (variance 1)."""

        def __init__(self, cell, embedding_classes, embedding_size, initializer=None,
                     reuse=None):
            super().__init__(cell, reuse)
            if embedding_classes <= 0 or embedding_size <= 0:
                raise ValueError(f"Both embedding_classes and embedding_size must be > 0: "
                                 f"{embedding_classes}, {embedding_size}.")
            self._classes, self._size = embedding_classes, embedding_size
            self._initializer = initializer

        def call(self, inputs, state):
            with v1.device("/cpu:0"):
                initializer = (self._initializer or v1.get_variable_scope().initializer
                               or v1.random_uniform_initializer(-math.sqrt(3), math.sqrt(3)))
                dtype = (state[0] if isinstance(state, tuple) else state).dtype
                embedding = v1.get_variable(EMBEDDING, [self._classes, self._size],
                                            initializer=initializer, dtype=dtype)
                embedded = v1.nn.embedding_lookup(embedding, v1.reshape(inputs, [-1]))
            return self._cell(embedded, state)

    return {"OutputProjectionWrapper": OutputProjectionWrapper,
            "InputProjectionWrapper": InputProjectionWrapper, "EmbeddingWrapper": EmbeddingWrapper}
