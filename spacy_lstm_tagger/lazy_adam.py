"""Lazy Adam for the embedding tables: thinc's optimizer step, applied only
to the rows a batch touched (UDPipe's and TensorFlow's LazyAdam).

thinc's Adam and its weight averages run over every row of every parameter
at every update; the default model's hashed tables hold about 11 million
weights, and a 1,000-word batch touches a few thousand rows of them. Here
the tables' gradients arrive sparse (torch's `nn.Embedding(sparse=True)`)
and only the touched rows are updated, with the optimizer's own state
(`mom1`, `mom2`, `nr_update`, `averages`) and settings (learn rate and its
schedule, betas, eps, grad_clip, L2), so checkpoints, `use_params` and
spaCy's training loop see a thinc optimizer as before.

What changes against thinc's dense step, for the tables only (docs/configs.md
and tests/test_lazy_adam.py):
- a row without gradient in a batch does not move: dense Adam would still
  move it by its decaying momentum; its moments are not decayed either;
- L2 (as weight decay or as a gradient term) applies to the touched rows;
- the weight averages of untouched rows are brought up to date when they are
  read (`use_params`, i.e. spaCy's evaluation and saving) and before a row is
  next updated, in closed form: the same values as the dense per-step
  averages, up to float rounding.
A row touched at every update gets exactly thinc's dense step.
"""
from typing import Dict, Tuple

import numpy
from thinc.backends import get_array_ops

Key = Tuple[int, str]
# thinc's Ops.update_averages: decay = min((1 + t) / (10 + t), MAX_DECAY).
MAX_DECAY = 0.9999
# The last t whose decay is not capped: (1 + t) / (10 + t) <= 0.9999.
_CAP_STEP = 89990


def average_decay_product(after, until):
    """prod over t = after+1 .. until of thinc's average decay at step t,
    per row (after: array of steps, until: one step). (1 + t) / (10 + t)
    telescopes to prod_j (after + j) / (until' + j), j = 2..10, below the
    cap; each step above it multiplies by MAX_DECAY. float64."""
    after = numpy.asarray(after, dtype="float64")
    capped_until = min(until, _CAP_STEP)
    low = numpy.minimum(after, capped_until)
    j = numpy.arange(2, 11, dtype="float64")
    log_product = numpy.log(low[:, None] + j).sum(axis=1) - numpy.log(capped_until + j).sum()
    steps_over_cap = until - numpy.maximum(after, _CAP_STEP)
    return numpy.exp(log_product) * MAX_DECAY ** numpy.maximum(steps_over_cap, 0)


class LazyAdam:
    """The lazy row state of one shim's sparse parameters: per parameter
    key, the update at which each row's weight average was last brought up
    to date. The moments and averages themselves live in the optimizer."""

    def __init__(self):
        self.average_step: Dict[Key, numpy.ndarray] = {}
        # The optimizer's averages dict and update count per key, at the
        # last update: what use_params needs to bring the averages up to date.
        self._averages = None
        self._step: Dict[Key, int] = {}

    def __getstate__(self):
        # Training state: a pickled or copied pipeline does not carry it
        # (nor the optimizer's averages) along.
        return {"average_step": {}, "_averages": None, "_step": {}}

    def update(self, optimizer, key: Key, weights, rows, gradient) -> None:
        """One optimizer step for the given rows of a 2D parameter. weights:
        the parameter (numpy or cupy, updated in place); rows: the distinct
        row indices; gradient: (len(rows), width), their summed gradient."""
        if optimizer.use_radam or not (optimizer.b1 > 0.0 and optimizer.b2 > 0.0):
            raise ValueError(
                "lstm_tagger's sparse embedding update implements thinc's Adam only; set "
                "[training.optimizer] to Adam.v1, or the model's sparse_embeddings to false."
            )
        # thinc's own kernels (Adam, clipping, averages) for the array's device.
        ops = get_array_ops(weights)
        xp = ops.xp
        optimizer.nr_update[key] += 1
        step = self._step[key] = optimizer.nr_update[key]
        self._averages = optimizer.averages
        selected = weights[rows]
        if optimizer.L2 != 0 and not optimizer.L2_is_weight_decay:
            gradient = gradient + optimizer.L2 * selected
        if optimizer.grad_clip:
            gradient = ops.clip_gradient(gradient, optimizer.grad_clip)
        if key not in optimizer.mom1:
            optimizer.mom1[key] = xp.zeros((weights.size,), dtype="float32")
            optimizer.mom2[key] = xp.zeros((weights.size,), dtype="float32")
        # The moments as (rows, width) views of thinc's flat arrays: whole
        # rows are gathered and written back, not element by element.
        mom1_rows = optimizer.mom1[key].reshape(weights.shape)
        mom2_rows = optimizer.mom2[key].reshape(weights.shape)
        mom1 = mom1_rows[rows].ravel()
        mom2 = mom2_rows[rows].ravel()
        fix1 = 1.0 - optimizer.b1**step
        fix2 = 1.0 - optimizer.b2**step
        learn_rate = optimizer.learn_rate * fix2**0.5 / fix1
        new_weights, _, mom1, mom2 = ops.adam(
            xp.ascontiguousarray(selected.ravel(), dtype="float32"),
            xp.ascontiguousarray(gradient.ravel(), dtype="float32"),
            mom1, mom2, optimizer.b1, optimizer.b2, optimizer.eps, learn_rate,
        )
        mom1_rows[rows] = mom1.reshape(selected.shape)
        mom2_rows[rows] = mom2.reshape(selected.shape)
        new_weights = new_weights.reshape(selected.shape)
        if optimizer.L2 != 0 and optimizer.L2_is_weight_decay:
            new_weights -= optimizer.learn_rate * optimizer.L2 * new_weights
        if optimizer.averages is not None:
            averages = optimizer.averages.get(key)
            if averages is None:
                averages = optimizer.averages[key] = xp.zeros(weights.shape, dtype="float32")
                self.average_step[key] = numpy.zeros((weights.shape[0],), dtype="int64")
            elif key not in self.average_step:
                # Averages this object did not keep (a dense step made them):
                # up to date as of the previous update.
                self.average_step[key] = numpy.full((weights.shape[0],), step - 1, dtype="int64")
            last = self.average_step[key]
            host_rows = rows if xp is numpy else rows.get()
            # Up to the previous update with the old weights, then this one.
            catch_up = xp.asarray(average_decay_product(last[host_rows], step - 1), dtype="float32")[:, None]
            row_averages = xp.ascontiguousarray((selected + (averages[rows] - selected) * catch_up).ravel())
            ops.update_averages(row_averages, xp.ascontiguousarray(new_weights.ravel()), step, max_decay=MAX_DECAY)
            averages[rows] = row_averages.reshape(selected.shape)
            last[host_rows] = step
        weights[rows] = new_weights

    def bring_averages_up_to_date(self, params, weights_of) -> None:
        """Before the optimizer's averages are read (params is its
        `averages` dict): every row of each lazy parameter, to the current
        update. weights_of(key): the parameter's current weights."""
        if self._averages is None or params is not self._averages or not params:
            return
        for key, last in self.average_step.items():
            averages = params.get(key)
            if averages is None:
                continue
            step = self._step[key]
            stale = numpy.flatnonzero(last < step)
            if not len(stale):
                continue
            xp = get_array_ops(averages).xp
            rows = xp.asarray(stale)
            weights = weights_of(key)[rows]
            factor = xp.asarray(average_decay_product(last[stale], step), dtype="float32")[:, None]
            averages[rows] = weights + (averages[rows] - weights) * factor
            last[stale] = step

