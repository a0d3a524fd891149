"""A fused CPU inference path for the LSTMTagger: its weights as one ONNX
graph, run by ONNX Runtime (the optional extra `spacy-lstm-tagger[onnx]`).

Why: eager torch pays a fixed cost per operation, and one sentence per
`nlp()` call is a dozen small operations (nine table lookups, the char CNN, two
LSTM layers, the output layer): on a 2-core CPU `torch.lstm` alone took about
0.85 ms for an 11-word sentence against 0.32 ms for ONNX Runtime's fused LSTM
kernel (BENCHMARKS.md). In big batches torch's packed LSTM is faster, so the
shim runs this graph only for small inputs (FUSED_MAX_TOKENS) and torch for
the rest.

The graph is built from the module's weights when first needed, without an
exporter: ONNX's LSTM operator takes per-direction weight matrices and each
sequence's length, so padded batches give each sequence its own result, as
torch's packing does. It computes what LSTMTagger.forward computes in eval
mode (tests/test_fused.py holds the two to 1e-5). Modules it does not cover
(static vectors, a char BiLSTM, end-of-word char features) run on torch.
"""
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import numpy
import torch

from .torch_model import CharCNN, LSTMTagger

# Up to this many tokens in a call the fused graph runs, above it torch. The
# module's forward alone, EWT test, 2-core machine (BENCHMARKS.md, "Fused
# inference"): with runs by length on torch's 2 threads, fused ahead of torch
# at every size measured, 1 to 512 docs per call (12 to 6,100 tokens).
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
        "spacy-lstm-tagger: ONNX Runtime is not installed, so small batches (one sentence per nlp() call) "
        "run on eager torch, about twice the time per call (same results). For the fused path: " + INSTALL_HINT,
        stacklevel=2,
    )


def unsupported(module: LSTMTagger) -> Optional[str]:
    """Why the graph cannot stand in for this module, or None if it can."""
    if module.vectors_width:
        return "static vectors"
    if module.chars is not None and (not isinstance(module.chars, CharCNN) or module.chars.end_positions):
        return "a character encoder other than the plain char CNN"
    if any(p.device.type != "cpu" for p in module.parameters()):
        return "a module on a GPU"
    return None


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
    sentence 1.6x slower) or to spin-wait after a run (spinning workers
    slowed torch's next batch 2x), and several request threads tag in
    parallel. A bigger call's runs by length (length_buckets) go to a small
    thread pool of torch.get_num_threads() workers instead: each run is one
    session call, which releases the GIL."""

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
    about half padding, so one run per group of similar lengths does about
    half the work for a few more runs."""
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
