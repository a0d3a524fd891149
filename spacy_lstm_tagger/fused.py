"""A fused CPU inference path for the LSTMTagger: its weights as one ONNX
graph, run by ONNX Runtime (the optional extra `spacy-lstm-tagger[onnx]`).

Why: eager torch pays a fixed cost per operation, and one sentence per
`nlp()` call is a dozen small operations (nine table lookups, the char CNN, two
LSTM layers, the output layer); ONNX Runtime runs them as one graph with a
fused LSTM kernel. The shim runs this graph for calls of up to
FUSED_MAX_TOKENS tokens and torch above that (BENCHMARKS.md, "One sentence
per call" and "Words per second from 1 to 256 docs per batch").

The graph (fused_graph.py) is built from the module's weights when first
needed, for the modules `unsupported` allows; anything else runs on torch.
`ModuleWatch` says when the module has changed since its graph was built;
FusedTagger runs the graph, in runs of sequences of similar length.
"""
import os
import threading
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter, getitem, is_
from typing import Optional

import numpy
import torch
from torch import nn

from .fused_graph import build_graph, unsupported  # noqa: F401 (read as fused.unsupported, fused.build_graph)
from .torch_model import LSTMTagger

# Up to this many tokens in a call the fused graph runs, above it torch: with
# runs by length the graph was ahead of torch's forward at every call size
# measured (benchmarks/HISTORY.md, "Runs by length"; BENCHMARKS.md, "Words per
# second from 1 to 256 docs per batch").
FUSED_MAX_TOKENS = 8192
# A run's padded LSTM steps at most this many times its tokens (length_buckets).
PADDING_SLACK = 1.25
# Calls of more tokens than this spread their runs over torch.get_num_threads()
# threads; below it a thread hand-off costs more than it saves.
PARALLEL_MIN_TOKENS = 128
INSTALL_HINT = "pip install 'spacy-lstm-tagger[onnx]'"


def runtime_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


_hinted = False


def hint_once(module: LSTMTagger) -> None:
    """At load: say once per process how to get the fused path, where it
    would run and the runtime is missing."""
    global _hinted
    if _hinted or unsupported(module) is not None or runtime_available():
        return
    _hinted = True
    warnings.warn(
        "spacy-lstm-tagger: ONNX Runtime is not installed, so calls of up to "
        f"{FUSED_MAX_TOKENS:,} tokens (one sentence per nlp() call among them) run on eager torch, "
        "slower per call (same results). For the fused path: " + INSTALL_HINT,
        stacklevel=2,
    )


_VERSION = attrgetter("_version")
_DATA_PTR = torch.Tensor.data_ptr


class ModuleWatch:
    """The state of a module that build_graph reads, taken so that it is cheap
    to compare again at every call: the module; each submodule and parameter
    at its place in its parent (held, so an id is never reused while the
    watch lives); each parameter's torch version counter (in-place writes
    through the tensor: optimizers, copy_, load_state_dict) and storage
    address (`.to()`, `.half()`, `.cuda()` and `param.data = ...` give a
    parameter new storage while its old storage is still alive, so the
    address changes with its dtype, device and shape and stands for them, one
    read instead of three; only `param.data = <a view of its own storage>`
    could keep it).

    What no counter sees, writes through `param.data` or a numpy/cupy view
    of it, is for the owner to announce (LSTMTaggerShim.changing_weights).
    Settings (widths, head sizes, char encoder) are read when the graph is
    built: a torch module's settings do not change after it is built."""

    def __init__(self, module: nn.Module):
        self.module = module
        parts = list(module.modules())
        held_tables = [table for part in parts for table in (part._modules, part._parameters, part._buffers)]
        self._tables, self._names, self._held = [], [], []
        for table in held_tables:
            for name, value in table.items():
                self._tables.append(table)
                self._names.append(name)
                self._held.append(value)
        # A changed total is an addition or a removal; with every entry of
        # these tables held, one of each is seen too (the removed one's lookup
        # fails). Instance attributes and forward hooks are counted, not
        # held: eval() and train() set `training` in place.
        self._counted = held_tables + [
            table for part in parts for table in (vars(part), part._forward_hooks, part._forward_pre_hooks)
        ]
        self._size = sum(map(len, self._counted))
        # A sparse tensor has no data_ptr: held (by identity) only.
        self._parameters = [v for v in self._held if isinstance(v, torch.Tensor) and v.layout == torch.strided]
        self.state = self.read()

    def read(self) -> Optional[tuple]:
        """The parameters' version counters and storage addresses now; None
        where a submodule, parameter or buffer was replaced, added or
        removed, or an instance attribute or forward hook added or removed."""
        if sum(map(len, self._counted)) != self._size:
            return None
        try:
            if not all(map(is_, map(getitem, self._tables, self._names), self._held)):
                return None
        except KeyError:  # one removed, another added
            return None
        return (*map(_VERSION, self._parameters), *map(_DATA_PTR, self._parameters))

    def unchanged(self, module: nn.Module) -> bool:
        return module is self.module and self.read() == self.state


# Objects whose locks or thread pools a forked child must not inherit (a
# lock held by a parent's thread at the fork stays held in the child, whose
# only thread is the one that forked): each one's _after_fork_in_child runs
# in every child.
_fork_sensitive = weakref.WeakSet()


def remake_in_forked_child(obj) -> None:
    """Have obj._after_fork_in_child() called in every forked child."""
    _fork_sensitive.add(obj)


def _after_fork_in_child() -> None:
    for obj in list(_fork_sensitive):
        obj._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)


class FusedTagger:
    """An ONNX Runtime session of build_graph(module, lstm_weights): the
    module's weights as they were when it was made, its LSTM layers' in
    float32 or int8. Safe to call from several threads at once (ONNX
    Runtime's sessions are).

    One intra-op thread: the calling thread runs the graph itself, so there
    is no ONNX Runtime thread pool to wake (2 intra-op threads made one
    sentence slower) or to spin-wait after a run (spinning workers slowed
    torch's next batch), and several request threads tag in parallel
    (benchmarks/HISTORY.md, "Runs by length" and "Fused inference"). A bigger
    call's runs by length (length_buckets) go to a small thread pool of
    torch.get_num_threads() workers instead: each run is one session call,
    which releases the GIL. A forked child gets a new, empty pool."""

    def __init__(self, module: LSTMTagger, threads: int = 1, lstm_weights: str = "float32"):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Pool threads that spin after a run take the cores torch's next batch needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            build_graph(module, lstm_weights), options, providers=["CPUExecutionProvider"]
        )
        self.lstm_weights = lstm_weights
        self.uses_chars = module.chars is not None
        self.n_columns = module.n_labels
        self._pool: Optional[tuple] = None  # (workers, ThreadPoolExecutor)
        self._pool_lock = threading.Lock()
        remake_in_forked_child(self)

    def _after_fork_in_child(self) -> None:
        # The parent's pool threads do not exist here, and its lock may be held.
        self._pool = None
        self._pool_lock = threading.Lock()

    def __call__(self, features: torch.Tensor, lengths: torch.Tensor, token_index: torch.Tensor, chars=None) -> torch.Tensor:
        """LSTMTagger.forward's arguments and result (CPU tensors)."""
        lengths = lengths.numpy().astype("int64", copy=False)
        token_index = token_index.numpy()
        features = features.numpy()
        chars = chars.numpy() if self.uses_chars else None
        n_tokens = len(token_index)
        # Empty sequences give no tokens and would be empty LSTM rows: left out.
        lengths = lengths[lengths > 0]
        runs = length_buckets(lengths, PADDING_SLACK)
        if len(runs) == 1:
            return torch.from_numpy(self._run(features, chars, token_index, lengths))
        starts = numpy.cumsum(lengths) - lengths
        out = numpy.empty((n_tokens, self.n_columns), dtype="float32")

        def run_sequences(run):
            return self._run_sequences(run, starts, lengths, token_index, features, chars)

        for rows, log_probs in self.map_runs(run_sequences, runs, n_tokens):
            out[rows] = log_probs
        return torch.from_numpy(out)

    def map_runs(self, function, runs, n_tokens: int):
        """map(function, runs): on the calling thread for small calls or one
        torch thread, else on a pool of torch.get_num_threads() threads (made
        on first use, again if that number changes)."""
        workers = torch.get_num_threads()
        if workers < 2 or n_tokens <= PARALLEL_MIN_TOKENS:
            return map(function, runs)
        with self._pool_lock:
            if self._pool is None or self._pool[0] != workers:
                if self._pool is not None:
                    self._pool[1].shutdown(wait=False)  # its submitted runs still finish
                self._pool = (workers, ThreadPoolExecutor(workers, thread_name_prefix="lstm-tagger-fused"))
            # Executor.map submits every run before it returns: inside the
            # lock, so no other call shuts this pool down in between.
            return self._pool[1].map(function, runs)

    def _run_sequences(self, run, starts, lengths, token_index, features, chars):
        """The token rows of the sequences in run and their log-probabilities."""
        rows = numpy.concatenate([numpy.arange(starts[i], starts[i] + lengths[i]) for i in run])
        # Only the run's own words: each run embeds what it reads.
        words, run_index = numpy.unique(token_index[rows], return_inverse=True)
        run_chars = None if chars is None else chars[words]
        return rows, self._run(features[words], run_chars, run_index.reshape(-1), lengths[run])

    def _run(self, features, chars, token_index, lengths) -> numpy.ndarray:
        """One session run: the sequences of lengths, which cover token_index
        in order, padded to the longest."""
        n_tokens = len(token_index)
        starts = numpy.cumsum(lengths) - lengths
        steps = numpy.arange(int(lengths.max()))[:, None]
        pad_index = numpy.where(steps < lengths[None, :], starts[None, :] + steps, n_tokens)
        sequence = numpy.repeat(numpy.arange(len(lengths)), lengths)
        unpad_index = (numpy.arange(n_tokens) - starts[sequence]) * len(lengths) + sequence
        feeds = {
            "features": features,
            "token_index": token_index,
            "pad_index": pad_index,
            "sequence_lengths": lengths.astype("int32"),
            "unpad_index": unpad_index,
        }
        if self.uses_chars:
            feeds["chars"] = chars
        return self.session.run(None, feeds)[0]


def length_buckets(lengths: numpy.ndarray, slack: float) -> list:
    """The sequences (indices into lengths, all > 0) in runs whose padded size
    (count x longest) is at most slack x their tokens, longest first; one run
    where the whole batch is within slack.

    Why: ONNX Runtime's LSTM computes every padded step (torch's packed
    sequences skip them), and a batch of sentences padded to its longest is
    largely padding, so one run per group of similar lengths does less work
    for a few more runs (benchmarks/HISTORY.md, "Runs by length")."""
    if len(lengths) * int(lengths.max()) <= slack * int(lengths.sum()):
        return [numpy.arange(len(lengths))]
    order = numpy.argsort(-lengths, kind="stable")
    runs, run, longest, total = [], [], 0, 0
    for i in order.tolist():
        length = int(lengths[i])
        if run and (len(run) + 1) * longest > slack * (total + length):
            runs.append(numpy.asarray(run))
            run, total = [], 0
        if not run:
            longest = length
        run.append(i)
        total += length
    runs.append(numpy.asarray(run))
    return runs
