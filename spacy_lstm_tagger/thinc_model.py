"""thinc glue: turns spaCy Docs into the LSTMTagger's tensors and back, and
registers the architectures `spacy_lstm_tagger.LSTMTagger.v1` and `.v2`
(v1's, plus an optional upstream `tok2vec` and a switch for the hashed
features: see build_lstm_tagger_model_v2).

The registered architecture is a thinc Model whose first layer, the torch
module wrapped by `torch_shim.wrap_torch_model`, is built in the init callback
once the number of labels is known (the spacy-experimental coref pattern); v2's
tok2vec, if any, follows it. The component rebuilds it from its stored labels
before loading weights.

The builder's signature is where spaCy reads the model's defaults: the
component's default config names the architecture alone and spaCy fills in
the rest from here. The featurizer's defaults are written in it; the torch
module's are read from LSTMTagger's constructor (MODULE_DEFAULTS), where they
are written once, and its settings travel to the init callback as one dict.
"""
import inspect
from functools import partial
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from .attributes import ATTRIBUTES
from .converters import convert_inputs, convert_inputs_v2, convert_outputs, convert_outputs_v2
from .featurizer import TokenFeaturizer
from .torch_model import LSTMTagger, check_char_encoder, check_head_tanh_layer, training_product_dtype
from .torch_shim import check_inference_precision, wrap_torch_model

ARCHITECTURE = "spacy_lstm_tagger.LSTMTagger.v1"
ARCHITECTURE_V2 = "spacy_lstm_tagger.LSTMTagger.v2"
# {setting: default} of the torch module, from the one place they are written.
MODULE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(LSTMTagger).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


def check_architecture_settings(settings: dict, architecture: str = ARCHITECTURE) -> None:
    """Refuse the architecture's settings that would crash deep inside torch
    or numpy, naming the architecture, the option and the range that works."""
    def is_int(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def fail(name: str, wanted: str, value) -> None:
        raise ValueError(f"{architecture}: {name} must be {wanted}, got {value!r}.")

    for name in ("word_rows", "subword_rows", "shape_rows"):
        if not is_int(settings[name]) or settings[name] < 2:
            fail(name, "an integer >= 2 (row 0 of each table is reserved for unknown words)", settings[name])
    for name in ("word_width", "subword_width", "hidden_width", "depth", "max_sequence_length"):
        if not is_int(settings[name]) or settings[name] < 1:
            fail(name, "an integer >= 1", settings[name])
    for name in ("prefix_lengths", "suffix_lengths"):
        value = settings[name]
        if not isinstance(value, (list, tuple)) or not all(is_int(n) and n >= 1 for n in value):
            fail(name, "a list of integers >= 1 (may be empty)", value)
    char_rows = settings["char_rows"]
    if not is_int(char_rows) or char_rows == 1 or char_rows < 0:
        fail("char_rows", "0 (no character encoder) or an integer >= 2", char_rows)
    if char_rows:
        for name in ("char_width", "char_filters", "char_length"):
            if not is_int(settings[name]) or settings[name] < 1:
                fail(name, "an integer >= 1 when char_rows > 0", settings[name])
    if not is_int(settings["char_end_positions"]) or not 0 <= settings["char_end_positions"] <= settings["char_length"]:
        fail("char_end_positions", "an integer from 0 up to char_length", settings["char_end_positions"])
    try:
        check_char_encoder(
            settings["char_encoder"], char_rows, settings["char_filters"], settings["char_end_positions"],
            settings["char_bilstm_width"],
        )
    except ValueError as error:
        raise ValueError(f"{architecture}: {error}") from None
    for name in ("sparse_embeddings", "lstm_residual"):
        if not isinstance(settings[name], bool):
            fail(name, "true or false", settings[name])
    try:
        check_head_tanh_layer(settings["head_tanh_layer"])
    except ValueError as error:
        raise ValueError(f"{architecture}: {error}") from None
    char_heads = settings["char_heads"]
    if not isinstance(char_heads, (list, tuple)) or not all(name in ATTRIBUTES for name in char_heads):
        fail("char_heads", f"a list of attributes from {list(ATTRIBUTES)} (may be empty)", char_heads)
    if char_heads and not char_rows:
        fail("char_heads", "empty when char_rows = 0 (no character encoding to read)", char_heads)
    try:
        training_product_dtype(settings["training_precision"])
        check_inference_precision(settings["inference_precision"])
    except ValueError as error:
        raise ValueError(f"{architecture}: {error}") from None
    for name in ("dropout", "word_dropout"):
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
            fail(name, "a number from 0 up to (not including) 1", value)


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
    char_bilstm_width: int = MODULE_DEFAULTS["char_bilstm_width"],
    head_tanh_layer: Union[bool, str] = MODULE_DEFAULTS["head_tanh_layer"],
    char_heads: List[str] = [],
    training_precision: str = MODULE_DEFAULTS["training_precision"],
    lstm_residual: bool = MODULE_DEFAULTS["lstm_residual"],
    inference_precision: str = "float32",
    nO: Optional[int] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """A BiLSTM tagger over hashed word, prefix, suffix and shape features, a
    character encoder (char_rows > 0: a CNN, or a BiLSTM with char_encoder =
    "bilstm"; char_bilstm_width > 0 adds a BiLSTM beside the CNN) and the pipeline's static vectors
    (include_static_vectors) as optional extra inputs; head_tanh_layer gives
    each output head its own residual tanh layer ("shared": one for all); the heads of char_heads'
    attributes (e.g. ["lemma"]) also read the character encoding directly; lstm_residual adds each
    LSTM layer's input to its output above the first layer; inference_precision "int8" runs the
    fused CPU path's LSTM layers with int8 weights. docs/configs.md's option
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
            char_heads=list(char_heads),
            inference_precision=inference_precision,
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
    char_heads: List[str] = [],
    inference_precision: str = "float32",
) -> None:
    """Build the torch module once nO (and nV, with static vectors) is known.
    module_settings: the builder's settings that LSTMTagger takes, by name;
    char_heads: attributes whose heads read the character encoding;
    inference_precision: the shim's (torch_shim.LSTMTaggerShim)."""
    if model.layers:
        return
    head_sizes, vectors_width = output_and_vectors_widths(model, X, Y, include_static_vectors)
    module = LSTMTagger(
        n_labels=head_sizes,
        feature_rows=featurizer.rows,
        feature_widths=feature_widths,
        vectors_width=vectors_width,
        char_head_indices=char_head_indices(model, char_heads),
        **module_settings,
    )
    zero_output_layer(module)
    model._layers = [
        wrap_torch_model(
            module,
            convert_inputs=partial(convert_inputs, featurizer=featurizer, use_vectors=bool(vectors_width)),
            convert_outputs=convert_outputs,
            inference_precision=inference_precision,
        )
    ]


def output_and_vectors_widths(model: Model, X, Y, include_static_vectors: bool) -> Tuple[List[int], int]:
    """The output heads' sizes (nO, from Y if unset) and the static vectors'
    width (nV, from X's vocab if unset; 0 without them)."""
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
    return head_sizes, vectors_width


def char_head_indices(model: Model, char_heads: List[str]) -> List[int]:
    """The numbers of the heads that predict char_heads' attributes (every
    feature's head, in morph_mode "features"), from the head layout the
    component sets. An attribute the component does not predict (its corpus
    has none) has no head, as it has no labels."""
    if not char_heads:
        return []
    layout = model.attrs.get("head_layout")
    if not layout:
        raise ValueError(
            f"The lstm_tagger model has char_heads = {char_heads}, but no head layout says which head predicts "
            "which attribute: build it inside the lstm_tagger component."
        )
    return [k for k, (attr, *_rest) in enumerate(layout) if attr in char_heads]


def zero_output_layer(module: LSTMTagger) -> None:
    # As spaCy's Softmax layers: an untrained tagger predicts the uniform
    # distribution, so label smoothing scales the first gradients exactly.
    for layer in module.output_layers():
        torch.nn.init.zeros_(layer.weight)
        if layer.bias is not None:
            torch.nn.init.zeros_(layer.bias)


def forward(model: Model, docs: List[Doc], is_train: bool):
    return model.layers[0](docs, is_train)


# v2: an upstream model's rows beside (or instead of) the hashed features ------


# v1's defaults, read from its signature: v2 takes the same ones.
V1_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(build_lstm_tagger_model).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


@registry.architectures(ARCHITECTURE_V2)
def build_lstm_tagger_model_v2(
    tok2vec: Optional[Model[List[Doc], List[Floats2d]]] = None,
    include_hashed_features: bool = True,
    word_rows: int = V1_DEFAULTS["word_rows"],
    subword_rows: int = V1_DEFAULTS["subword_rows"],
    shape_rows: int = V1_DEFAULTS["shape_rows"],
    word_width: int = V1_DEFAULTS["word_width"],
    subword_width: int = V1_DEFAULTS["subword_width"],
    prefix_lengths: List[int] = V1_DEFAULTS["prefix_lengths"],
    suffix_lengths: List[int] = V1_DEFAULTS["suffix_lengths"],
    char_rows: int = V1_DEFAULTS["char_rows"],
    char_width: int = V1_DEFAULTS["char_width"],
    char_filters: int = V1_DEFAULTS["char_filters"],
    char_length: int = V1_DEFAULTS["char_length"],
    hidden_width: int = V1_DEFAULTS["hidden_width"],
    depth: int = V1_DEFAULTS["depth"],
    bidirectional: bool = V1_DEFAULTS["bidirectional"],
    dropout: float = V1_DEFAULTS["dropout"],
    word_dropout: float = V1_DEFAULTS["word_dropout"],
    include_static_vectors: bool = V1_DEFAULTS["include_static_vectors"],
    max_sequence_length: int = V1_DEFAULTS["max_sequence_length"],
    sparse_embeddings: bool = V1_DEFAULTS["sparse_embeddings"],
    char_end_positions: int = V1_DEFAULTS["char_end_positions"],
    char_encoder: str = V1_DEFAULTS["char_encoder"],
    char_bilstm_width: int = V1_DEFAULTS["char_bilstm_width"],
    head_tanh_layer: Union[bool, str] = V1_DEFAULTS["head_tanh_layer"],
    char_heads: List[str] = V1_DEFAULTS["char_heads"],
    training_precision: str = V1_DEFAULTS["training_precision"],
    lstm_residual: bool = V1_DEFAULTS["lstm_residual"],
    inference_precision: str = V1_DEFAULTS["inference_precision"],
    nO: Optional[int] = None,
) -> Model[List[Doc], List[Floats2d]]:
    """v1's model, plus `tok2vec`: any thinc model from Docs to one row per
    token, as spaCy's own components take one (`spacy.Tok2VecListener.v1` on
    a shared `tok2vec` component, a transformer listener, or
    `spacy.Tok2Vec.v2` owned by this component). Its rows join the LSTM's
    input after the hashed features, the character encoder and the static
    vectors; `include_hashed_features = false` and `char_rows = 0` leave
    them out. Its gradient goes back to it in training (a listener hands it
    to the upstream component, which ignores it when frozen).

    The tok2vec is a child layer of the model (where Tok2Vec.find_listeners
    and nlp.replace_listeners look, at the config path `model.tok2vec`) once
    the model is built: the component clears the layers to (re)build the
    torch module, so the model keeps it as its ref "tok2vec", which
    replace_listeners updates too, and init puts it back. With tok2vec =
    None and the hashed features on, the same model as v1."""
    settings = {name: value for name, value in locals().items() if name not in ("tok2vec", "include_hashed_features")}
    check_architecture_settings(settings, ARCHITECTURE_V2)
    if not isinstance(include_hashed_features, bool):
        raise ValueError(f"{ARCHITECTURE_V2}: include_hashed_features must be true or false, got {include_hashed_features!r}.")
    if not (include_hashed_features or char_rows or include_static_vectors or tok2vec is not None):
        raise ValueError(
            f"{ARCHITECTURE_V2}: the model has no input: include_hashed_features = false, char_rows = 0, "
            "include_static_vectors = false and no tok2vec. Turn one of them on."
        )
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
        forward_v2,
        init=partial(
            init_v2,
            featurizer=featurizer,
            feature_widths=widths if include_hashed_features else [],
            include_static_vectors=include_static_vectors,
            module_settings={name: value for name, value in settings.items() if name in MODULE_DEFAULTS},
            char_heads=list(char_heads),
            inference_precision=inference_precision,
        ),
        dims={"nO": nO, "nV": None},
        # Out of the tree until init puts it among the layers: a model
        # without layers is one the component has not built yet.
        refs={"tok2vec": tok2vec},
    )


def init_v2(
    model: Model,
    X=None,
    Y=None,
    *,
    featurizer: TokenFeaturizer,
    feature_widths: List[int],
    include_static_vectors: bool,
    module_settings: Dict[str, Any],
    char_heads: List[str] = [],
    inference_precision: str = "float32",
) -> None:
    """As init, with the tok2vec initialized (as thinc's chain initializes
    its layers) and its width (nO) added to the LSTM's input. Layers:
    [the torch module's wrapper, the tok2vec]."""
    if model.layers:
        return
    head_sizes, static_width = output_and_vectors_widths(model, X, Y, include_static_vectors)
    tok2vec = model.maybe_get_ref("tok2vec")
    upstream_width = 0
    if tok2vec is not None:
        tok2vec.initialize(X=X)
        if not tok2vec.has_dim("nO"):
            raise ValueError(
                f"{ARCHITECTURE_V2}: the tok2vec model ({tok2vec.name}) has no output width (nO), which the LSTM's "
                "input needs before any weights are loaded. Use one that is given its width: spaCy's "
                "Tok2VecListener.v1 or Tok2Vec.v2, or spacy-curated-transformers' listeners (spacy-transformers' "
                "TransformerListener.v1 learns its width only once its pipeline is linked)."
            )
        upstream_width = tok2vec.get_dim("nO")
    module = LSTMTagger(
        n_labels=head_sizes,
        feature_rows=featurizer.rows if feature_widths else [],
        feature_widths=feature_widths,
        vectors_width=static_width + upstream_width,
        char_head_indices=char_head_indices(model, char_heads),
        **module_settings,
    )
    zero_output_layer(module)
    wrapper = wrap_torch_model(
        module,
        convert_inputs=partial(
            convert_inputs_v2,
            featurizer=featurizer,
            use_features=bool(feature_widths),
            use_vectors=bool(static_width),
            upstream_width=upstream_width,
        ),
        convert_outputs=convert_outputs_v2,
        inference_precision=inference_precision,
    )
    model._layers = [wrapper] + ([tok2vec] if tok2vec is not None else [])


def forward_v2(model: Model, docs: List[Doc], is_train: bool):
    """The tok2vec's rows, then the torch module on (docs, rows); the
    gradient with respect to the rows goes back to the tok2vec."""
    tok2vec = model.maybe_get_ref("tok2vec")
    if tok2vec is None:
        return model.layers[0]((docs, None), is_train)
    rows, backprop_rows = tok2vec(docs, is_train)
    log_probs, backprop_tagger = model.layers[0]((docs, rows), is_train)

    def backprop(d_log_probs):
        # Called once per update: a listener's backprop accumulates the
        # gradient (or, for the last listener, runs the upstream's update).
        backprop_rows(backprop_tagger(d_log_probs))
        return []

    return log_probs, backprop
