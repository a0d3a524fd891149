"""A fused CPU inference path for the LSTMTagger: its weights as one ONNX
graph, run by ONNX Runtime (the optional extra `spacy-lstm-tagger[onnx]`).

Why: eager torch pays a fixed cost per operation, and one sentence per
`nlp()` call is a dozen small operations (nine table lookups, the char CNN, two
LSTM layers, the output layer); ONNX Runtime runs them as one graph with a
fused LSTM kernel. The shim runs this graph for calls of up to
FUSED_MAX_TOKENS tokens and torch above that (BENCHMARKS.md, "One sentence
per call" and "Words per second from 1 to 256 docs per batch").

The graph is built from the module's weights when first needed, without an
exporter: ONNX's LSTM operator takes per-direction weight matrices and each
sequence's length, so padded batches give each sequence its own result, as
torch's packing does. It computes what LSTMTagger.forward computes in eval
mode (tests/test_fused.py holds the two to 1e-5) for the modules `unsupported`
allows; anything else runs on torch. `ModuleWatch` says when the module has
changed since its graph was built.
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

from .torch_model import CharCNN, LSTMTagger

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
OPSET = 17
IR_VERSION = 8
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


# Instance attributes of the parts the graph reads, beyond those of a fresh
# torch module of the same type (standard_attributes): a part holding any
# other attribute runs on torch.
_KNOWN_ATTRIBUTES = {
    LSTMTagger: {"head_sizes", "n_labels", "word_dropout", "vectors_width", "chars"},
    CharCNN: {"end_positions", "output_width"},
}
_standard_attributes: dict = {}


def standard_attributes(kind: type) -> set:
    """The instance attributes a fresh module of this torch type has."""
    if kind not in _standard_attributes:
        fresh = {
            nn.Module: nn.Module, nn.ModuleList: nn.ModuleList, nn.Dropout: nn.Dropout,
            nn.Embedding: lambda: nn.Embedding(1, 1), nn.Conv1d: lambda: nn.Conv1d(1, 1, 1),
            nn.LSTM: lambda: nn.LSTM(1, 1), nn.Linear: lambda: nn.Linear(1, 1),
        }[kind]()
        _standard_attributes[kind] = set(vars(fresh))
    return _standard_attributes[kind]


def covered_parts(module: LSTMTagger) -> dict:
    """{name in named_modules: (exact type, parameter names)}: every part
    the graph reads, as LSTMTagger builds it with the plain char CNN or no
    character encoder."""
    lstm = module.lstm
    suffixes = ["", "_reverse"] if lstm.bidirectional else [""]
    parts = {
        "": (LSTMTagger, ()),
        "embeddings": (nn.ModuleList, ()),
        **{f"embeddings.{i}": (nn.Embedding, ("weight",)) for i in range(len(module.embeddings))},
        "input_dropout": (nn.Dropout, ()),
        "lstm": (nn.LSTM, tuple(
            f"{kind}_l{layer}{suffix}"
            for layer in range(lstm.num_layers)
            for suffix in suffixes
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )),
        "output_dropout": (nn.Dropout, ()),
        "output": (nn.Linear, ("weight", "bias")),
    }
    if module.chars is not None:
        parts.update({"chars": (CharCNN, ()), "chars.embedding": (nn.Embedding, ("weight",)),
                      "chars.conv": (nn.Conv1d, ("weight", "bias"))})
    return parts


def unsupported(module: LSTMTagger) -> Optional[str]:
    """Why the graph cannot stand in for this module, or None if it can.

    An allow-list: the graph computes exactly what LSTMTagger (the class
    itself, not a subclass) computes in eval mode with the plain char CNN
    (no end positions) or no character encoder, no static vectors, and
    float32 weights on the CPU. A part of another type, or any submodule,
    parameter, buffer, forward hook or instance attribute the graph does not
    read, is something it would silently leave out: such a module runs on
    torch."""
    if type(module) is not LSTMTagger:
        return f"a {type(module).__qualname__}, not an LSTMTagger"
    if module.vectors_width:
        return "static vectors"
    if module.chars is not None and (type(module.chars) is not CharCNN or module.chars.end_positions):
        return "a character encoder other than the plain char CNN"
    expected = covered_parts(module)
    found = dict(module.named_modules(remove_duplicate=False))
    if set(found) != set(expected):
        return f"parts the graph does not know: {sorted(set(found) ^ set(expected))}"
    for name, part in found.items():
        kind, parameters = expected[name]
        where = f"'{name}'" if name else "the module"
        if type(part) is not kind:
            return f"{where} is a {type(part).__qualname__}, not a {kind.__qualname__}"
        if set(part._parameters) != set(parameters) or any(p is None for p in part._parameters.values()):
            return f"{where} holds parameters {list(part._parameters)}, the graph reads {list(parameters)}"
        if part._buffers:
            return f"{where} holds buffers {list(part._buffers)}"
        if part._forward_hooks or part._forward_pre_hooks:
            return f"{where} has forward hooks"
        if kind in _KNOWN_ATTRIBUTES:
            known = standard_attributes(nn.Module) | _KNOWN_ATTRIBUTES[kind]
        else:
            known = standard_attributes(kind)
        unknown = set(vars(part)) - known
        if unknown:
            return f"{where} has attributes the graph does not read: {sorted(unknown)}"
    for name, parameter in module.named_parameters():
        if parameter.device.type != "cpu":
            return f"a module on {parameter.device.type}"
        if parameter.dtype != torch.float32:
            return f"'{name}' holds {parameter.dtype} weights, the graph float32 ones"
        if parameter.layout != torch.strided:
            return f"'{name}' is a {parameter.layout} tensor, the graph reads dense ones"
    conv = module.chars.conv if module.chars is not None else None
    if conv is not None and not (
        conv.stride == (1,) and conv.dilation == (1,) and conv.groups == 1 and conv.padding_mode == "zeros"
        and isinstance(conv.padding, tuple)
    ):
        return "a char convolution with strides, dilation, groups or padding the graph does not compute"
    if any(table.max_norm is not None for table in module.embeddings) or (
        module.chars is not None and module.chars.embedding.max_norm is not None
    ):
        return "an embedding table with max_norm (rows renormalized at lookup)"
    if not module.lstm.batch_first or module.lstm.proj_size:
        return "an LSTM with batch_first off or projections"
    return None


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


def _array(tensor: torch.Tensor) -> numpy.ndarray:
    return tensor.detach().float().cpu().numpy()


def _gates(weight: torch.Tensor) -> numpy.ndarray:
    """torch's gate blocks (input, forget, cell, output) in ONNX's order
    (input, output, forget, cell)."""
    i, f, g, o = _array(weight).reshape(4, -1, *weight.shape[1:])
    return numpy.concatenate([i, o, f, g])


def build_graph(module: LSTMTagger) -> bytes:
    """The module's eval-mode forward as a serialized ONNX model.

    Inputs: features (n_words, n_features) int64; chars (n_words, max_chars)
    int64 (only with a char CNN); token_index (n_tokens,) int64; pad_index
    (max_length, n_sequences) int64, each sequence's token rows, n_tokens
    where it is shorter; sequence_lengths (n_sequences,) int32; unpad_index
    (n_tokens,) int64, each token's row of the padded output. Output:
    log_probs (n_tokens, n_labels) float32."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = [], []

    def const(name: str, value) -> str:
        initializers.append(numpy_helper.from_array(numpy.asarray(value), name))
        return name

    def node(op: str, inputs, output: str, **attrs) -> str:
        nodes.append(helper.make_node(op, list(inputs), [output], **attrs))
        return output

    inputs = [helper.make_tensor_value_info("features", TensorProto.INT64, ["n_words", len(module.embeddings)])]
    columns = []
    for i, table in enumerate(module.embeddings):
        ids = node("Gather", ["features", const(f"column_{i}", numpy.int64(i))], f"ids_{i}", axis=1)
        columns.append(node("Gather", [const(f"table_{i}", _array(table.weight)), ids], f"embedded_{i}", axis=0))
    if module.chars is not None:
        cnn = module.chars
        inputs.append(helper.make_tensor_value_info("chars", TensorProto.INT64, ["n_words", "max_chars"]))
        chars = node("Gather", [const("char_table", _array(cnn.embedding.weight)), "chars"], "char_vectors", axis=0)
        chars = node("Transpose", [chars], "char_channels", perm=[0, 2, 1])
        window = cnn.conv.kernel_size[0]
        pad = cnn.conv.padding[0]
        conv = node(
            "Conv",
            [chars, const("conv_weight", _array(cnn.conv.weight)), const("conv_bias", _array(cnn.conv.bias))],
            "conv",
            kernel_shape=[window],
            pads=[pad, pad],
        )
        hidden = node("Relu", [conv], "conv_relu")
        padding = node("Equal", ["chars", const("zero_id", numpy.int64(0))], "is_padding")
        present = node("Cast", [node("Not", [padding], "present")], "present_float", to=TensorProto.FLOAT)
        present = node("Unsqueeze", [present, const("axis_1", numpy.asarray([1]))], "present_mask")
        # As CharCNN: zero the padding columns (ReLU output >= 0), then max.
        hidden = node("Mul", [hidden, present], "conv_masked")
        columns.append(node("ReduceMax", [hidden], "char_pooled", axes=[2], keepdims=0))
    words = node("Concat", columns, "word_vectors", axis=1) if len(columns) > 1 else columns[0]
    inputs += [
        helper.make_tensor_value_info("token_index", TensorProto.INT64, ["n_tokens"]),
        helper.make_tensor_value_info("pad_index", TensorProto.INT64, ["max_length", "n_sequences"]),
        helper.make_tensor_value_info("sequence_lengths", TensorProto.INT32, ["n_sequences"]),
        helper.make_tensor_value_info("unpad_index", TensorProto.INT64, ["n_tokens"]),
    ]
    tokens = node("Gather", [words, "token_index"], "token_vectors", axis=0)
    input_width = module.lstm.input_size
    # One zero row at index n_tokens: what pad_index reads past a sequence's end.
    zero_row = const("zero_row", numpy.zeros((1, input_width), "float32"))
    padded_rows = node("Concat", [tokens, zero_row], "padded_rows", axis=0)
    layer_input = node("Gather", [padded_rows, "pad_index"], "padded", axis=0)
    lstm = module.lstm
    directions = ["", "_reverse"] if lstm.bidirectional else [""]
    for layer in range(lstm.num_layers):
        w = numpy.stack([_gates(getattr(lstm, f"weight_ih_l{layer}{s}")) for s in directions])
        r = numpy.stack([_gates(getattr(lstm, f"weight_hh_l{layer}{s}")) for s in directions])
        b = numpy.stack(
            [
                numpy.concatenate([_gates(getattr(lstm, f"{name}_l{layer}{s}")) for name in ("bias_ih", "bias_hh")])
                for s in directions
            ]
        )
        weights = [const(f"lstm_{name}_{layer}", value) for name, value in (("w", w), ("r", r), ("b", b))]
        nodes.append(
            helper.make_node(
                "LSTM",
                [layer_input, *weights, "sequence_lengths"],
                [f"lstm_y_{layer}"],
                hidden_size=lstm.hidden_size,
                direction="bidirectional" if lstm.bidirectional else "forward",
            )
        )
        # (max_length, directions, n_sequences, hidden) -> (max_length,
        # n_sequences, directions x hidden): torch's [forward, backward] columns.
        y = node("Transpose", [f"lstm_y_{layer}"], f"lstm_t_{layer}", perm=[0, 2, 1, 3])
        layer_input = node("Reshape", [y, const(f"shape_{layer}", numpy.asarray([0, 0, -1]))], f"lstm_out_{layer}")
    width = lstm.hidden_size * len(directions)
    flat = node("Reshape", [layer_input, const("flat_shape", numpy.asarray([-1, width]))], "hidden_padded")
    hidden = node("Gather", [flat, "unpad_index"], "hidden", axis=0)
    scores = node("MatMul", [hidden, const("output_weight", _array(module.output.weight).T.copy())], "scores_raw")
    scores = node("Add", [scores, const("output_bias", _array(module.output.bias))], "scores")
    if len(module.head_sizes) == 1:
        node("LogSoftmax", [scores], "log_probs", axis=-1)
    else:
        heads = [f"head_{i}" for i in range(len(module.head_sizes))]
        sizes = const("head_sizes", numpy.asarray(module.head_sizes, "int64"))
        nodes.append(helper.make_node("Split", [scores, sizes], heads, axis=1))
        node("Concat", [node("LogSoftmax", [h], f"{h}_log_probs", axis=-1) for h in heads], "log_probs", axis=1)
    graph = helper.make_graph(
        nodes,
        "lstm_tagger",
        inputs,
        [helper.make_tensor_value_info("log_probs", TensorProto.FLOAT, ["n_tokens", module.n_labels])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="spacy-lstm-tagger")
    # The IR version of opset 17, not the newest the onnx package writes:
    # ONNX Runtime releases back to 1.17 (the extra's floor) read it.
    model.ir_version = IR_VERSION
    return model.SerializeToString()


class FusedTagger:
    """An ONNX Runtime session of build_graph(module): the module's weights as
    they were when it was made. Safe to call from several threads at once
    (ONNX Runtime's sessions are).

    One intra-op thread: the calling thread runs the graph itself, so there
    is no ONNX Runtime thread pool to wake (2 intra-op threads made one
    sentence slower) or to spin-wait after a run (spinning workers slowed
    torch's next batch), and several request threads tag in parallel
    (benchmarks/HISTORY.md, "Runs by length" and "Fused inference"). A bigger
    call's runs by length (length_buckets) go to a small thread pool of
    torch.get_num_threads() workers instead: each run is one session call,
    which releases the GIL. A forked child gets a new, empty pool."""

    def __init__(self, module: LSTMTagger, threads: int = 1):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Pool threads that spin after a run take the cores torch's next batch needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            build_graph(module), options, providers=["CPUExecutionProvider"]
        )
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
