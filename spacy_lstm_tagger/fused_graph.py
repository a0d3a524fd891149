"""The fused path's graph: which LSTMTagger modules it covers (an
allow-list: `unsupported` says why a module is not covered), and the module's
eval-mode forward written as one ONNX graph from its weights, without an
exporter (build_graph). fused.py runs it.

ONNX's LSTM operator takes per-direction weight matrices and each sequence's
length, so padded batches give each sequence its own result, as torch's
packing does; tests/test_fused.py holds graph and module to 1e-5.

With lstm_weights = "int8" every LSTM operator is ONNX Runtime's
DynamicQuantizeLSTM instead: int8 weights with one scale per gate row, its
input quantized at each session run (the architecture's inference_precision).
"""
from typing import Optional

import numpy
import torch
from torch import nn

from .torch_model import CharBiLSTM, CharCNN, LSTMTagger

OPSET = 17
IR_VERSION = 8
# The LSTM operators' weights: ONNX's LSTM in float32, or ONNX Runtime's
# DynamicQuantizeLSTM (a com.microsoft operator) in int8.
LSTM_WEIGHTS = ("float32", "int8")


# Instance attributes of the parts the graph reads, beyond those of a fresh
# torch module of the same type (standard_attributes): a part holding any
# other attribute runs on torch.
_KNOWN_ATTRIBUTES = {
    LSTMTagger: {
        "head_sizes", "n_labels", "word_dropout", "vectors_width", "chars", "char_bilstm", "head_tanh", "head_outputs",
        "output", "char_head_indices", "char_to_heads", "upper_lstms", "layer_dropout",
        # Read in training only, as word_dropout.
        "training_product_dtype",
    },
    CharCNN: {"end_positions", "output_width"},
    CharBiLSTM: {"output_width"},
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


def _lstm_parameter_names(layers: int, bidirectional: bool) -> tuple:
    """The parameters of an nn.LSTM with that many layers and directions,
    biases and no projections: what the graph reads of it."""
    suffixes = ["", "_reverse"] if bidirectional else [""]
    return tuple(
        f"{kind}_l{layer}{suffix}"
        for layer in range(layers)
        for suffix in suffixes
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


def covered_parts(module: LSTMTagger) -> dict:
    """{name in named_modules: (exact type, parameter names)}: every part
    the graph reads, as LSTMTagger builds it with the plain char CNN or no
    character encoder."""
    lstm = module.lstm
    parts = {
        "": (LSTMTagger, ()),
        "embeddings": (nn.ModuleList, ()),
        **{f"embeddings.{i}": (nn.Embedding, ("weight",)) for i in range(len(module.embeddings))},
        "input_dropout": (nn.Dropout, ()),
        "lstm": (nn.LSTM, _lstm_parameter_names(lstm.num_layers, lstm.bidirectional)),
        "output_dropout": (nn.Dropout, ()),
    }
    if module.upper_lstms is not None:
        parts.update({
            "layer_dropout": (nn.Dropout, ()),
            "upper_lstms": (nn.ModuleList, ()),
            # One layer each, in the first layer's directions.
            **{f"upper_lstms.{i}": (nn.LSTM, _lstm_parameter_names(1, lstm.bidirectional))
               for i in range(len(module.upper_lstms))},
        })
    if module.head_tanh is not None:
        parts["head_tanh"] = (nn.Linear, ("weight", "bias"))
    if module.head_outputs is not None:
        parts.update({
            "head_outputs": (nn.ModuleList, ()),
            **{f"head_outputs.{i}": (nn.Linear, ("weight", "bias")) for i in range(len(module.head_sizes))},
        })
    else:
        parts["output"] = (nn.Linear, ("weight", "bias"))
    if module.char_to_heads is not None:
        parts["char_to_heads"] = (nn.Linear, ("weight",))
    if module.chars is not None:
        parts.update({"chars": (CharCNN, ()), "chars.embedding": (nn.Embedding, ("weight",)),
                      "chars.conv": (nn.Conv1d, ("weight", "bias"))})
    if module.char_bilstm is not None:
        parts.update({
            "char_bilstm": (CharBiLSTM, ()),
            "char_bilstm.embedding": (nn.Embedding, ("weight",)),
            "char_bilstm.lstm": (nn.LSTM, _lstm_parameter_names(1, bidirectional=True)),
        })
    return parts


def unsupported(module: LSTMTagger) -> Optional[str]:
    """Why the graph cannot stand in for this module, or None if it can.

    An allow-list: the graph computes exactly what LSTMTagger (the class
    itself, not a subclass) computes in eval mode with the plain char CNN
    (no end positions, with or without the char BiLSTM beside it) or no
    character encoder, no static vectors, and
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
        held = [name for name, p in part._parameters.items() if p is not None]
        if set(held) != set(parameters):
            return f"{where} holds parameters {held}, the graph reads {list(parameters)}"
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
    char_tables = [encoder.embedding for encoder in (module.chars, module.char_bilstm) if encoder is not None]
    if any(table.max_norm is not None for table in [*module.embeddings, *char_tables]):
        return "an embedding table with max_norm (rows renormalized at lookup)"
    if not module.lstm.batch_first or module.lstm.proj_size:
        return "an LSTM with batch_first off or projections"
    char_lstm = module.char_bilstm.lstm if module.char_bilstm is not None else None
    if char_lstm is not None and not (
        char_lstm.batch_first and char_lstm.bidirectional and char_lstm.num_layers == 1 and not char_lstm.proj_size
    ):
        return "a character BiLSTM other than one bidirectional layer, batch_first, without projections"
    return None


def _array(tensor: torch.Tensor) -> numpy.ndarray:
    return tensor.detach().float().cpu().numpy()


def _gates(weight: torch.Tensor) -> numpy.ndarray:
    """torch's gate blocks (input, forget, cell, output) in ONNX's order
    (input, output, forget, cell)."""
    i, f, g, o = _array(weight).reshape(4, -1, *weight.shape[1:])
    return numpy.concatenate([i, o, f, g])


def _lstm_weights(lstm: nn.LSTM, layer: int) -> dict:
    """One layer of an nn.LSTM as ONNX's LSTM operator takes it: W, R and B
    (input and recurrent biases side by side), one row per direction."""
    directions = ["", "_reverse"] if lstm.bidirectional else [""]

    def stacked(kinds):
        return numpy.stack(
            [numpy.concatenate([_gates(getattr(lstm, f"{kind}_l{layer}{d}")) for kind in kinds]) for d in directions]
        )

    return {"w": stacked(["weight_ih"]), "r": stacked(["weight_hh"]), "b": stacked(["bias_ih", "bias_hh"])}


def int8_rows(matrix: numpy.ndarray) -> tuple:
    """An LSTM weight matrix in ONNX's layout (directions, 4 x hidden, width)
    as DynamicQuantizeLSTM takes it: int8 values (directions, width, 4 x
    hidden), one float32 scale per gate row (directions, 4 x hidden) and zero
    points of 0. Symmetric, to [-127, 127], as ONNX Runtime's quantize_dynamic
    does it with per_channel=True (tests/test_fused.py compares the two).

    Why not quantize_dynamic itself: it reads and writes model files and logs
    a warning on the root logger, at every engine build (in a server's first
    call); what it computes for LSTM weights is these few lines."""
    absmax = numpy.abs(matrix).max(axis=2)
    scale = (absmax.astype(numpy.float64) * 2 / 254).astype(numpy.float32)
    # A row of zeros: any scale gives zeros (quantize_dynamic takes 1).
    scale[scale < numpy.finfo(numpy.float32).tiny] = 1.0
    values = numpy.clip((matrix / scale[..., None]).round(), -127, 127).astype(numpy.int8)
    return numpy.ascontiguousarray(values.transpose(0, 2, 1)), scale, numpy.zeros(scale.shape, numpy.int8)


def build_graph(module: LSTMTagger, lstm_weights: str = "float32") -> bytes:
    """The module's eval-mode forward as a serialized ONNX model, its LSTM
    operators' weights in float32 or int8 (LSTM_WEIGHTS).

    Inputs: features (n_words, n_features) int64; chars (n_words, max_chars)
    int64 (only with a char CNN, which the char BiLSTM reads too);
    token_index (n_tokens,) int64; pad_index
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

    if lstm_weights not in LSTM_WEIGHTS:
        raise ValueError(f"lstm_weights must be one of {list(LSTM_WEIGHTS)}, got {lstm_weights!r}.")

    def lstm_node(name: str, x: str, lstm: nn.LSTM, layer: int, lengths: str, outputs: list, direction: str) -> None:
        """One layer of an nn.LSTM as an LSTM operator (or its int8 form)
        reading x, with each sequence's length; name: its weights' names,
        "{}" standing for w, r and b."""
        weights = _lstm_weights(lstm, layer)
        attrs = {"hidden_size": lstm.hidden_size, "direction": direction}
        if lstm_weights == "float32":
            names = [const(name.format(part), weights[part]) for part in ("w", "r", "b")]
            nodes.append(helper.make_node("LSTM", [x, *names, lengths], outputs, **attrs))
            return
        quantized = []
        for part in ("w", "r"):
            values, scale, zero = int8_rows(weights[part])
            prefix = name.format(part)
            quantized.append((const(f"{prefix}_int8", values), const(f"{prefix}_scale", scale), const(f"{prefix}_zero", zero)))
        (w, w_scale, w_zero), (r, r_scale, r_zero) = quantized
        # No initial states nor peepholes: the three inputs between stay empty.
        inputs = [x, w, r, const(name.format("b"), weights["b"]), lengths, "", "", "", w_scale, w_zero, r_scale, r_zero]
        nodes.append(helper.make_node("DynamicQuantizeLSTM", inputs, outputs, domain="com.microsoft", **attrs))

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
        char_present = node("Not", [padding], "present")
        present = node("Cast", [char_present], "present_float", to=TensorProto.FLOAT)
        present = node("Unsqueeze", [present, const("axis_1", numpy.asarray([1]))], "present_mask")
        # As CharCNN: zero the padding columns (ReLU output >= 0), then max.
        hidden = node("Mul", [hidden, present], "conv_masked")
        columns.append(node("ReduceMax", [hidden], "char_pooled", axes=[2], keepdims=0))
    if module.char_bilstm is not None:
        # As CharBiLSTM: each word's characters read both ways (a word
        # without characters reads one padding character); its final states,
        # forward beside backward.
        encoder = module.char_bilstm
        char_lstm = encoder.lstm
        table = const("char_bilstm_table", _array(encoder.embedding.weight))
        vectors = node("Gather", [table, "chars"], "char_bilstm_vectors", axis=0)
        vectors = node("Transpose", [vectors], "char_bilstm_time_major", perm=[1, 0, 2])
        # The CNN's mask of each word's characters (the BiLSTM only goes beside the CNN).
        present = node("Cast", [char_present], "char_bilstm_present_int", to=TensorProto.INT64)
        axis = const("char_bilstm_axis", numpy.asarray([1]))
        counted = node("ReduceSum", [present, axis], "char_bilstm_counted", keepdims=0)
        lengths = node("Max", [counted, const("char_bilstm_one", numpy.int64(1))], "char_bilstm_lengths_64")
        lengths = node("Cast", [lengths], "char_bilstm_lengths", to=TensorProto.INT32)
        lstm_node("char_bilstm_{}", vectors, char_lstm, 0, lengths, ["", "char_bilstm_h"], "bidirectional")
        # (directions, n_words, hidden) -> (n_words, directions x hidden).
        final = node("Transpose", ["char_bilstm_h"], "char_bilstm_final", perm=[1, 0, 2])
        columns.append(node("Reshape", [final, const("char_bilstm_shape", numpy.asarray([0, -1]))], "char_bilstm_states"))
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
    # (module, its layer) for each layer, bottom up: one nn.LSTM's layers, or
    # with lstm_residual the first layer's module and then upper_lstms.
    layers = [(lstm, k) for k in range(lstm.num_layers)] + [(upper, 0) for upper in module.upper_lstms or ()]
    for layer, (layer_lstm, k) in enumerate(layers):
        lstm_node(
            f"lstm_{{}}_{layer}", layer_input, layer_lstm, k, "sequence_lengths", [f"lstm_y_{layer}"],
            "bidirectional" if lstm.bidirectional else "forward",
        )
        # (max_length, directions, n_sequences, hidden) -> (max_length,
        # n_sequences, directions x hidden): torch's [forward, backward] columns.
        y = node("Transpose", [f"lstm_y_{layer}"], f"lstm_t_{layer}", perm=[0, 2, 1, 3])
        output = node("Reshape", [y, const(f"shape_{layer}", numpy.asarray([0, 0, -1]))], f"lstm_out_{layer}")
        # lstm_residual: an upper layer adds its input to its output (zero past a sequence's end, both).
        layer_input = node("Add", [layer_input, output], f"lstm_sum_{layer}") if layer and module.upper_lstms else output
    width = lstm.hidden_size * len(directions)
    flat = node("Reshape", [layer_input, const("flat_shape", numpy.asarray([-1, width]))], "hidden_padded")
    hidden = node("Gather", [flat, "unpad_index"], "hidden", axis=0)
    if module.head_tanh is not None:
        # As LSTMTagger.log_probs: the tanh layer's product, one for every
        # head at once (head_tanh_layer = true) or the one they share.
        update = node("MatMul", [hidden, const("head_tanh_weight", _array(module.head_tanh.weight).T.copy())], "head_tanh_raw")
        update = node("Tanh", [node("Add", [update, const("head_tanh_bias", _array(module.head_tanh.bias))], "head_tanh_pre")], "head_tanh")
    if module.head_outputs is None:
        if module.head_tanh is not None:
            # head_tanh_layer = "shared": its residual, then the shared output layer.
            hidden = node("Add", [hidden, update], "head_input")
        scores = node("MatMul", [hidden, const("output_weight", _array(module.output.weight).T.copy())], "scores_raw")
        scores = node("Add", [scores, const("output_bias", _array(module.output.bias))], "scores")
    else:
        # (n_tokens, n_heads, width) beside the LSTM's output, then each
        # head's output layer on its own slice.
        update = node("Reshape", [update, const("head_tanh_shape", numpy.asarray([0, len(module.head_sizes), width]))], "head_tanh_per_head")
        per_head = node("Add", [node("Unsqueeze", [hidden, const("head_axis", numpy.asarray([1]))], "hidden_per_head"), update], "head_inputs")
        head_scores = []
        for k, layer in enumerate(module.head_outputs):
            head_input = node("Gather", [per_head, const(f"head_{k}_index", numpy.int64(k))], f"head_{k}_input", axis=1)
            raw = node("MatMul", [head_input, const(f"head_{k}_weight", _array(layer.weight).T.copy())], f"head_{k}_raw")
            head_scores.append(node("Add", [raw, const(f"head_{k}_bias", _array(layer.bias))], f"head_{k}_scores"))
        scores = node("Concat", head_scores, "scores", axis=1) if len(head_scores) > 1 else head_scores[0]
    if module.char_to_heads is not None:
        # As LSTMTagger.log_probs: the char_head_indices heads' scores also
        # read each token's character encoding. One product over every
        # column, zero in the other heads' columns.
        char_columns = ["char_pooled"] + (["char_bilstm_states"] if module.char_bilstm is not None else [])
        char_words = node("Concat", char_columns, "char_encoding", axis=1) if len(char_columns) > 1 else char_columns[0]
        char_tokens = node("Gather", [char_words, "token_index"], "char_tokens", axis=0)
        weight = numpy.zeros((module.char_to_heads.in_features, module.n_labels), "float32")
        starts = numpy.cumsum([0, *module.head_sizes])
        given = _array(module.char_to_heads.weight).T
        row = 0
        for k in module.char_head_indices:
            weight[:, starts[k]:starts[k + 1]] = given[:, row:row + module.head_sizes[k]]
            row += module.head_sizes[k]
        extra = node("MatMul", [char_tokens, const("char_to_heads_weight", weight)], "char_head_scores")
        scores = node("Add", [scores, extra], "scores_with_chars")
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
    opsets = [helper.make_opsetid("", OPSET)]
    if lstm_weights == "int8":
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="spacy-lstm-tagger")
    # The IR version of opset 17, not the newest the onnx package writes:
    # ONNX Runtime releases back to 1.17 (the extra's floor) read it.
    model.ir_version = IR_VERSION
    return model.SerializeToString()
