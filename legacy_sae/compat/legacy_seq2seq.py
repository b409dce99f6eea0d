"""TF 1.8's `tf.contrib.legacy_seq2seq`, the static sequence-to-sequence models of TensorFlow's
2016 translation tutorial, written here on `tf.compat.v1` from their documented behaviour, with
TF 1.8's variable scopes so that checkpoints cross.

Served (the graph each builds, in its default variable scope):

  sequence_loss_by_example(logits, targets, weights)
      per example: sum_t weight_t * crossentropy(logits_t, targets_t), divided by
      sum_t weight_t (+1e-12) when averaging across timesteps
  sequence_loss(...)             the sum of those over the batch, divided by the batch size
  rnn_decoder(inputs, state, cell, loop_function)            "rnn_decoder": the cell over the
      inputs from `state`, variables shared between steps; with `loop_function`, each step after
      the first is fed loop_function(previous output, step) instead
  basic_rnn_seq2seq(enc, dec, cell)                          "basic_rnn_seq2seq": a copy of
      the cell encodes, the cell decodes from the encoder's last state
  tied_rnn_seq2seq(enc, dec, cell)                           "combined_tied_rnn_seq2seq/
      tied_rnn_seq2seq": one cell, one set of variables, for both
  embedding_rnn_decoder(dec, state, cell, symbols, size)     "embedding_rnn_decoder": symbols
      looked up in `embedding`; with feed_previous, each step after the first is fed the
      embedding of the previous output's argmax (after `output_projection`, when given)
  embedding_rnn_seq2seq(enc, dec, cell, enc_symbols, dec_symbols, size)
      "embedding_rnn_seq2seq": an EmbeddingWrapper'd copy of the cell encodes; the cell, with an
      OutputProjectionWrapper to dec_symbols unless `output_projection` is given, decodes;
      `feed_previous` a bool or a boolean tensor (both graphs, chosen by tf.cond)

The attention models (`attention_decoder`, `embedding_attention_seq2seq`), `one2many_rnn_seq2seq`,
`embedding_tied_rnn_seq2seq` and `model_with_buckets` are not served yet: each gets the one-line
message of a removed API.
"""
import copy
import types


def module(v1, cells):
    """The `tf.contrib.legacy_seq2seq` module on `v1` (tf.compat.v1), with `cells` the served
    tf.contrib.rnn wrappers (contrib_rnn.served)."""
    scope_of = v1.variable_scope

    def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True,
                                 softmax_loss_function=None, name=None):
        if not len(logits) == len(targets) == len(weights):
            raise ValueError(f"Lengths of logits, weights, and targets must be the same "
                             f"{len(logits)}, {len(weights)}, {len(targets)}.")
        with v1.name_scope(name, "sequence_loss_by_example", logits + targets + weights):
            steps = []
            for logit, target, weight in zip(logits, targets, weights):
                if softmax_loss_function is None:
                    crossent = v1.nn.sparse_softmax_cross_entropy_with_logits(
                        labels=v1.reshape(target, [-1]), logits=logit)
                else:
                    crossent = softmax_loss_function(labels=target, logits=logit)
                steps.append(crossent * weight)
            total = v1.add_n(steps)
            if average_across_timesteps:
                total /= v1.add_n(weights) + 1e-12  # all-zero weights: no division by zero
            return total

    def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                      average_across_batch=True, softmax_loss_function=None, name=None):
        with v1.name_scope(name, "sequence_loss", logits + targets + weights):
            cost = v1.reduce_sum(sequence_loss_by_example(
                logits, targets, weights, average_across_timesteps=average_across_timesteps,
                softmax_loss_function=softmax_loss_function))
            if not average_across_batch:
                return cost
            return cost / v1.cast(v1.shape(targets[0])[0], cost.dtype)

    def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
        with scope_of(scope or "rnn_decoder"):
            state, outputs, previous = initial_state, [], None
            for step, inputs in enumerate(decoder_inputs):
                if loop_function is not None and previous is not None:
                    with scope_of("loop_function", reuse=True):
                        inputs = loop_function(previous, step)
                if step > 0:
                    v1.get_variable_scope().reuse_variables()
                output, state = cell(inputs, state)
                outputs.append(output)
                if loop_function is not None:
                    previous = output
        return outputs, state

    def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=v1.float32, scope=None):
        with scope_of(scope or "basic_rnn_seq2seq"):
            _, encoder_state = v1.nn.static_rnn(copy.deepcopy(cell), encoder_inputs,
                                                dtype=dtype)
            return rnn_decoder(decoder_inputs, encoder_state, cell)

    def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None,
                         dtype=v1.float32, scope=None):
        with scope_of("combined_tied_rnn_seq2seq"):
            scope = scope or "tied_rnn_seq2seq"
            _, encoder_state = v1.nn.static_rnn(cell, encoder_inputs, dtype=dtype, scope=scope)
            v1.get_variable_scope().reuse_variables()
            return rnn_decoder(decoder_inputs, encoder_state, cell, loop_function=loop_function,
                               scope=scope)

    def embed_previous(embedding, output_projection=None, update_embedding=True):
        """A loop_function: the embedding of the previous output's most likely symbol."""
        def loop_function(previous, _):
            if output_projection is not None:
                previous = v1.nn.xw_plus_b(previous, *output_projection)
            embedded = v1.nn.embedding_lookup(embedding, v1.argmax(previous, 1))
            return embedded if update_embedding else v1.stop_gradient(embedded)
        return loop_function

    def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size,
                              output_projection=None, feed_previous=False,
                              update_embedding_for_previous=True, scope=None):
        with scope_of(scope or "embedding_rnn_decoder") as decoder_scope:
            if output_projection is not None:
                weights = v1.convert_to_tensor(output_projection[0], dtype=decoder_scope.dtype)
                weights.get_shape().assert_is_compatible_with([None, num_symbols])
                biases = v1.convert_to_tensor(output_projection[1], dtype=decoder_scope.dtype)
                biases.get_shape().assert_is_compatible_with([num_symbols])
            embedding = v1.get_variable("embedding", [num_symbols, embedding_size])
            loop_function = embed_previous(embedding, output_projection,
                                           update_embedding_for_previous) if feed_previous \
                else None
            embedded = [v1.nn.embedding_lookup(embedding, symbols) for symbols in decoder_inputs]
            return rnn_decoder(embedded, initial_state, cell, loop_function=loop_function)

    def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols,
                              num_decoder_symbols, embedding_size, output_projection=None,
                              feed_previous=False, dtype=None, scope=None):
        with scope_of(scope or "embedding_rnn_seq2seq") as outer:
            if dtype is not None:
                outer.set_dtype(dtype)
            dtype = outer.dtype
            encoder_cell = cells["EmbeddingWrapper"](copy.deepcopy(cell), num_encoder_symbols,
                                                     embedding_size)
            _, encoder_state = v1.nn.static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
            if output_projection is None:
                cell = cells["OutputProjectionWrapper"](cell, num_decoder_symbols)

            def decode(feed, reuse=None, update_embedding=True):
                with scope_of(v1.get_variable_scope(), reuse=reuse):
                    return embedding_rnn_decoder(
                        decoder_inputs, encoder_state, cell, num_decoder_symbols, embedding_size,
                        output_projection=output_projection, feed_previous=feed,
                        update_embedding_for_previous=update_embedding)

            if isinstance(feed_previous, bool):
                return decode(feed_previous)
            # A boolean tensor: both decoders built (the second reusing the first's variables)
            # and chosen at run time, outputs and flattened state in one list.
            def flat(feed, reuse):
                outputs, state = decode(feed, reuse, update_embedding=False)
                return outputs + v1.nest.flatten(state)
            chosen = v1.cond(feed_previous, lambda: flat(True, None), lambda: flat(False, True))
            count = len(decoder_inputs)
            state = v1.nest.pack_sequence_as(structure=encoder_state,
                                             flat_sequence=chosen[count:])
            return chosen[:count], state

    served = types.ModuleType("legacy_seq2seq", __doc__)
    for function in (sequence_loss_by_example, sequence_loss, rnn_decoder, basic_rnn_seq2seq,
                     tied_rnn_seq2seq, embedding_rnn_decoder, embedding_rnn_seq2seq):
        setattr(served, function.__name__, function)
    return served
