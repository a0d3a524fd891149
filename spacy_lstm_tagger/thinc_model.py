"""thinc glue: turns spaCy Docs into the LSTMTagger's tensors and back, and
registers the architecture `spacy_lstm_tagger.LSTMTagger.v1`.

The registered architecture is a thinc Model whose only layer, the torch
module wrapped by `torch_shim.wrap_torch_model`, is built in the init callback
once the number of labels is known (the spacy-experimental coref pattern). The
component rebuilds it from its stored labels before loading weights.

The builder's signature is where spaCy reads the model's defaults: the
component's default config names the architecture alone and spaCy fills in
the rest from here. The featurizer's defaults are written in it; the torch
module's are read from LSTMTagger's constructor (MODULE_DEFAULTS), where they
are written once, and its settings travel to the init callback as one dict.
"""
import inspect
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy
import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d

from .featurizer import TokenFeaturizer
from .torch_model import LSTMTagger, check_char_encoder
from .torch_shim import wrap_torch_model

ARCHITECTURE = "spacy_lstm_tagger.LSTMTagger.v1"
# {setting: default} of the torch module, from the one place they are written.
MODULE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(LSTMTagger).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


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


def _fail(name: str, wanted: str, value) -> None:
    raise ValueError(f"{ARCHITECTURE}: {name} must be {wanted}, got {value!r}.")


def check_architecture_settings(settings: dict) -> None:
    """Refuse the architecture's settings that would crash deep inside torch
    or numpy, naming the option and the range that works."""
    def is_int(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    for name in ("word_rows", "subword_rows", "shape_rows"):
        if not is_int(settings[name]) or settings[name] < 2:
            _fail(name, "an integer >= 2 (row 0 of each table is reserved for unknown words)", settings[name])
    for name in ("word_width", "subword_width", "hidden_width", "depth", "max_sequence_length"):
        if not is_int(settings[name]) or settings[name] < 1:
            _fail(name, "an integer >= 1", settings[name])
    for name in ("prefix_lengths", "suffix_lengths"):
        value = settings[name]
        if not isinstance(value, (list, tuple)) or not all(is_int(n) and n >= 1 for n in value):
            _fail(name, "a list of integers >= 1 (may be empty)", value)
    char_rows = settings["char_rows"]
    if not is_int(char_rows) or char_rows == 1 or char_rows < 0:
        _fail("char_rows", "0 (no character encoder) or an integer >= 2", char_rows)
    if char_rows:
        for name in ("char_width", "char_filters", "char_length"):
            if not is_int(settings[name]) or settings[name] < 1:
                _fail(name, "an integer >= 1 when char_rows > 0", settings[name])
    if not is_int(settings["char_end_positions"]) or not 0 <= settings["char_end_positions"] <= settings["char_length"]:
        _fail("char_end_positions", "an integer from 0 up to char_length", settings["char_end_positions"])
    try:
        check_char_encoder(
            settings["char_encoder"], char_rows, settings["char_filters"], settings["char_end_positions"]
        )
    except ValueError as error:
        raise ValueError(f"{ARCHITECTURE}: {error}") from None
    if not isinstance(settings["sparse_embeddings"], bool):
        _fail("sparse_embeddings", "true or false", settings["sparse_embeddings"])
    for name in ("dropout", "word_dropout"):
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
            _fail(name, "a number from 0 up to (not including) 1", value)


@registry.architectures(ARCHITECTURE)
def build_lstm_tagger_model(
    word_rows: int = 50000,
    subword_rows: int = 20000,
    shape_rows: int = 2000,
    word_width: int = 128,
    subword_width: int = 32,
    prefix_lengths: List[int] = [1, 2, 3],
    suffix_lengths: List[int] = [1, 2, 3, 4],
    char_rows: int = MODULE_DEFAULTS["char_rows"],
    char_width: int = MODULE_DEFAULTS["char_width"],
    char_filters: int = MODULE_DEFAULTS["char_filters"],
    char_length: int = 16,
    hidden_width: int = MODULE_DEFAULTS["hidden_width"],
    depth: int = MODULE_DEFAULTS["depth"],
    bidirectional: bool = MODULE_DEFAULTS["bidirectional"],
    dropout: float = MODULE_DEFAULTS["dropout"],
    word_dropout: float = MODULE_DEFAULTS["word_dropout"],
    include_static_vectors: bool = False,
    max_sequence_length: int = 512,
    sparse_embeddings: bool = MODULE_DEFAULTS["sparse_embeddings"],
    char_end_positions: int = MODULE_DEFAULTS["char_end_positions"],
    char_encoder: str = MODULE_DEFAULTS["char_encoder"],
    nO: Optional[int] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """A BiLSTM tagger over hashed word, prefix, suffix and shape features, a
    character encoder (char_rows > 0: a CNN, or a BiLSTM with char_encoder =
    "bilstm") and the pipeline's static vectors
    (include_static_vectors) as optional extra inputs. docs/configs.md's option
    table describes each argument; tests/test_defaults.py holds it to these defaults."""
    settings = dict(locals())
    check_architecture_settings(settings)
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
            include_static_vectors=include_static_vectors,
            module_settings={name: value for name, value in settings.items() if name in MODULE_DEFAULTS},
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
    include_static_vectors: bool,
    module_settings: Dict[str, Any],
) -> None:
    """Build the torch module once nO (and nV, with static vectors) is known.
    module_settings: the builder's settings that LSTMTagger takes, by name."""
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
    # The component sets head_sizes (one per predicted attribute); a model
    # used on its own has one head of nO labels.
    head_sizes = model.attrs.get("head_sizes") or [model.get_dim("nO")]
    if sum(head_sizes) != model.get_dim("nO"):
        raise ValueError(f"The lstm_tagger model's heads {head_sizes} do not add up to nO = {model.get_dim('nO')}.")
    module = LSTMTagger(
        n_labels=head_sizes,
        feature_rows=featurizer.rows,
        feature_widths=feature_widths,
        vectors_width=vectors_width,
        **module_settings,
    )
    # As spaCy's Softmax layers: an untrained tagger predicts the uniform
    # distribution, so label smoothing scales the first gradients exactly.
    torch.nn.init.zeros_(module.output.weight)
    torch.nn.init.zeros_(module.output.bias)
    model._layers = [
        wrap_torch_model(
            module,
            convert_inputs=partial(convert_inputs, featurizer=featurizer, use_vectors=bool(vectors_width)),
            convert_outputs=convert_outputs,
        )
    ]


def forward(model: Model, docs: List[Doc], is_train: bool):
    return model.layers[0](docs, is_train)
