"""thinc glue: turns spaCy Docs into the LSTMTagger's tensors and back.

The registered architecture is a thinc Model whose only layer, a
PyTorchWrapper_v3 around LSTMTagger, is built in the init callback once the
number of labels is known (the spacy-experimental coref pattern). The
component rebuilds it from its stored labels before loading weights.
"""
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from spacy.attrs import ORTH, SENT_START
from spacy.lang.lex_attrs import word_shape
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v3, torch2xp, xp2torch
from thinc.types import Floats2d

from .torch_model import LSTMTagger

ARCHITECTURE = "spacy_lstm_tagger.LSTMTagger.v1"


class TokenFeaturizer:
    """Maps tokens to rows of integer feature ids: the lowercased word, its
    prefixes and suffixes of the given lengths, and its shape, each hashed into
    its own table. Computed once per distinct word and cached, so a batch costs
    one dict lookup per distinct word, not string work per token."""

    def __init__(
        self,
        word_rows: int,
        subword_rows: int,
        shape_rows: int,
        prefix_lengths: Sequence[int],
        suffix_lengths: Sequence[int],
        max_sequence_length: int,
        char_rows: int = 0,
        char_length: int = 16,
        cache_size: int = 200_000,
    ):
        self.prefix_lengths = list(prefix_lengths)
        self.suffix_lengths = list(suffix_lengths)
        self.rows = (
            [word_rows]
            + [subword_rows] * (len(self.prefix_lengths) + len(self.suffix_lengths))
            + [shape_rows]
        )
        self.max_sequence_length = max_sequence_length
        self.char_rows = char_rows
        self.char_length = char_length
        self.cache_size = cache_size
        self._cache: Dict[int, Tuple[int, ...]] = {}

    def __getstate__(self):
        # The cache is derived data; workers rebuild it.
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def word_features(self, text: str) -> Tuple[int, ...]:
        lower = text.lower()
        strings = (
            [lower]
            + [lower[:n] for n in self.prefix_lengths]
            + [lower[-n:] for n in self.suffix_lengths]
            + [word_shape(text)]
        )
        # Each column gets its own salt so "a" as a word and "a" as a prefix
        # land on unrelated rows; row 0 is reserved for "unknown".
        return tuple(
            1 + hash_string(f"{column}\x1f{s}") % (rows - 1)
            for column, (s, rows) in enumerate(zip(strings, self.rows))
        )

    def word_chars(self, text: str) -> Tuple[int, ...]:
        """Character ids, 0-padded to char_length; a longer word keeps its
        first and last char_length // 2 characters (where affixes live)."""
        n = self.char_length
        if len(text) > n:
            text = text[: n // 2] + text[len(text) - (n - n // 2) :]
        ids = [1 + ord(c) % (self.char_rows - 1) for c in text]
        return tuple(ids + [0] * (n - len(ids)))

    def features(self, docs: Sequence[Doc]) -> Tuple[numpy.ndarray, numpy.ndarray, Optional[numpy.ndarray]]:
        """For the batch's distinct words: (n_words, n_features) int64 feature
        ids and, with a char encoder, (n_words, char_length) int64 char ids;
        plus (n_tokens,) int64, the word row of each token."""
        n_features = len(self.rows)
        orths = [doc.to_array(ORTH) for doc in docs if len(doc)]
        if not orths:
            chars = numpy.zeros((0, self.char_length), dtype="int64") if self.char_rows else None
            return numpy.zeros((0, n_features), dtype="int64"), numpy.zeros((0,), dtype="int64"), chars
        unique, inverse = numpy.unique(numpy.concatenate(orths), return_inverse=True)
        strings = docs[0].vocab.strings
        cache = self._cache
        if len(cache) + len(unique) > self.cache_size:
            cache.clear()  # keeps memory flat on an endless stream of new words
        rows = []
        for orth in unique.tolist():
            row = cache.get(orth)
            if row is None:
                text = strings[orth]
                row = self.word_features(text)
                if self.char_rows:
                    row = row + self.word_chars(text)
                cache[orth] = row
            rows.append(row)
        table = numpy.asarray(rows, dtype="int64").reshape(len(unique), -1)
        chars = numpy.ascontiguousarray(table[:, n_features:]) if self.char_rows else None
        return numpy.ascontiguousarray(table[:, :n_features]), inverse.astype("int64", copy=False), chars

    def sequence_lengths(self, docs: Sequence[Doc]) -> numpy.ndarray:
        """Lengths of the sequences the LSTM reads, in token order: each doc is
        split at its sentence starts where it has them, and every piece longer
        than max_sequence_length into windows, so memory per sequence is bounded
        whatever the doc's length. Depends on each doc alone. Vectorized over
        the batch: per-doc numpy calls cost more than the LSTM for short docs."""
        sent_starts = [doc.to_array(SENT_START) for doc in docs if len(doc)]
        if not sent_starts:
            return numpy.zeros((0,), dtype="int64")
        doc_lengths = numpy.asarray([len(a) for a in sent_starts])
        is_start = numpy.concatenate(sent_starts) == 1
        is_start[numpy.cumsum(doc_lengths) - doc_lengths] = True
        starts = numpy.flatnonzero(is_start)
        pieces = numpy.diff(numpy.append(starts, len(is_start)))
        window = self.max_sequence_length
        # A piece of length L becomes L // window full windows and, if
        # L % window, one shorter last window.
        full, rest = numpy.divmod(pieces, window)
        n_windows = full + (rest > 0)
        lengths = numpy.full(int(n_windows.sum()), window, dtype="int64")
        last = numpy.cumsum(n_windows) - 1
        lengths[last[rest > 0]] = rest[rest > 0]
        return lengths

    def vectors(self, docs: Sequence[Doc]) -> numpy.ndarray:
        """(n_tokens, width) static vectors by ORTH; zeros where a word has none."""
        vectors = docs[0].vocab.vectors
        keys = numpy.concatenate([doc.to_array(ORTH) for doc in docs])
        rows = vectors.find(keys=keys)
        rows = rows.get() if hasattr(rows, "get") else numpy.asarray(rows)
        table = vectors.data
        table = numpy.asarray(table.get() if hasattr(table, "get") else table, dtype="float32")
        out = table[numpy.maximum(rows, 0)]
        out[rows < 0] = 0.0
        return out


def convert_inputs(
    model: Model, docs: List[Doc], is_train: bool, *, featurizer: TokenFeaturizer, use_vectors: bool
) -> Tuple[ArgsKwargs, Callable]:
    """One tensor per batch: features and lengths go to torch in one copy each."""
    device = model.shims[0].device
    features, token_index, chars = featurizer.features(docs)
    kwargs = {
        "features": xp2torch(features, device=device),
        "token_index": xp2torch(token_index, device=device),
        # PackedSequence's batch sizes are built from these and must be on the CPU.
        "lengths": torch.from_numpy(featurizer.sequence_lengths(docs)),
    }
    if chars is not None:
        kwargs["chars"] = xp2torch(chars, device=device)
    if use_vectors and len(token_index):
        kwargs["vectors"] = xp2torch(featurizer.vectors(docs), device=device)
    # Integer ids have no gradient.
    return ArgsKwargs(args=(), kwargs=kwargs), lambda d_inputs: []


def convert_outputs(model: Model, docs_and_output, is_train: bool):
    """Split the flat (n_tokens, n_labels) output into one array per doc."""
    docs, log_probs = docs_and_output
    flat = torch2xp(log_probs)
    ends = numpy.cumsum([len(doc) for doc in docs])[:-1]
    per_doc = model.ops.xp.split(flat, ends.tolist()) if len(docs) else []

    def get_d_log_probs(d_per_doc: List[Floats2d]) -> ArgsKwargs:
        d_flat = model.ops.xp.concatenate(d_per_doc) if d_per_doc else flat[:0]
        grad = xp2torch(model.ops.asarray2f(d_flat, dtype="float32"), device=log_probs.device)
        return ArgsKwargs(args=(log_probs,), kwargs={"grad_tensors": grad})

    return list(per_doc), get_d_log_probs


def serialize_torch_model(module: LSTMTagger) -> bytes:
    # safetensors holds raw tensors only: loading can never run code, unlike
    # torch.save's pickle.
    return save_safetensors({k: v.contiguous() for k, v in module.state_dict().items()})


def deserialize_torch_model(module: LSTMTagger, data: bytes, device) -> LSTMTagger:
    try:
        state = load_safetensors(data)
    except Exception as err:
        raise ValueError(f"the weights are not a readable safetensors blob ({err})") from None
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"the weights do not fit the configured model: missing {missing}, "
            f"unexpected {unexpected}"
        )
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise ValueError(
                f"the weights do not fit the configured model: '{key}' has shape "
                f"{tuple(tensor.shape)} in the file but {tuple(expected[key].shape)} "
                "in the config (different labels or hyperparameters)"
            )
    module.load_state_dict(state)
    module.to(device)
    return module


@registry.architectures(ARCHITECTURE)
def build_lstm_tagger_model(
    word_rows: int = 50000,
    subword_rows: int = 20000,
    shape_rows: int = 2000,
    word_width: int = 128,
    subword_width: int = 32,
    prefix_lengths: List[int] = [1, 2, 3],
    suffix_lengths: List[int] = [1, 2, 3, 4],
    char_rows: int = 0,
    char_width: int = 32,
    char_filters: int = 64,
    char_length: int = 16,
    hidden_width: int = 128,
    depth: int = 2,
    bidirectional: bool = True,
    dropout: float = 0.3,
    word_dropout: float = 0.1,
    include_static_vectors: bool = False,
    max_sequence_length: int = 512,
    nO: Optional[int] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """A BiLSTM tagger over hashed word, prefix, suffix and shape features, a
    character CNN (char_rows > 0) and the pipeline's static vectors
    (include_static_vectors) as optional extra inputs."""
    featurizer = TokenFeaturizer(
        word_rows,
        subword_rows,
        shape_rows,
        prefix_lengths,
        suffix_lengths,
        max_sequence_length,
        char_rows=char_rows,
        char_length=char_length,
    )
    widths = [word_width] + [subword_width] * (len(featurizer.rows) - 2) + [subword_width]
    return Model(
        "lstm_tagger",
        forward,
        init=partial(
            init,
            featurizer=featurizer,
            feature_widths=widths,
            char_width=char_width,
            char_filters=char_filters,
            hidden_width=hidden_width,
            depth=depth,
            bidirectional=bidirectional,
            dropout=dropout,
            word_dropout=word_dropout,
            include_static_vectors=include_static_vectors,
        ),
        dims={"nO": nO, "nV": None},
    )


def init(
    model: Model,
    X=None,
    Y=None,
    *,
    featurizer: TokenFeaturizer,
    feature_widths: List[int],
    char_width: int,
    char_filters: int,
    hidden_width: int,
    depth: int,
    bidirectional: bool,
    dropout: float,
    word_dropout: float,
    include_static_vectors: bool,
) -> None:
    if model.layers:
        return
    if not model.has_dim("nO") and Y:
        model.set_dim("nO", Y[0].shape[1])
    if not model.has_dim("nO"):
        raise ValueError("The lstm_tagger model needs its number of labels (nO) before it is built.")
    vectors_width = 0
    if include_static_vectors:
        if not model.has_dim("nV") and X:
            model.set_dim("nV", X[0].vocab.vectors.shape[1])
        vectors_width = model.get_dim("nV") if model.has_dim("nV") else 0
        if not vectors_width:
            raise ValueError(
                "include_static_vectors = true, but the pipeline's vocab has no vectors; "
                "add vectors (e.g. [initialize] vectors = ...) or set it to false."
            )
    module = LSTMTagger(
        n_labels=model.get_dim("nO"),
        feature_rows=featurizer.rows,
        feature_widths=feature_widths,
        hidden_width=hidden_width,
        depth=depth,
        bidirectional=bidirectional,
        dropout=dropout,
        word_dropout=word_dropout,
        char_rows=featurizer.char_rows,
        char_width=char_width,
        char_filters=char_filters,
        vectors_width=vectors_width,
    )
    model._layers = [
        PyTorchWrapper_v3(
            module,
            convert_inputs=partial(
                convert_inputs, featurizer=featurizer, use_vectors=bool(vectors_width)
            ),
            convert_outputs=convert_outputs,
            serialize_model=serialize_torch_model,
            deserialize_model=deserialize_torch_model,
        )
    ]


def forward(model: Model, docs: List[Doc], is_train: bool):
    return model.layers[0](docs, is_train)
