"""thinc's converters for the wrapped LSTMTagger (PyTorchWrapper's
convert_inputs / convert_outputs): spaCy Docs to the module's tensors, one
copy per batch, and its flat output back to one array per doc; v2's adds the
upstream tok2vec's rows and hands their gradient back."""
from typing import Callable, List, Optional, Tuple

import numpy
import torch
from spacy.tokens import Doc
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d

from .featurizer import TokenFeaturizer

def convert_inputs(
    model: Model, docs: List[Doc], is_train: bool, *, featurizer: TokenFeaturizer, use_vectors: bool
) -> Tuple[ArgsKwargs, Callable]:
    """One tensor per batch: features and lengths go to torch in one copy each.
    The module gets the tokens the LSTM reads (TokenFeaturizer.read_tokens:
    all but whitespace tokens)."""
    device = model.shims[0].device
    features, token_index, chars = featurizer.features(docs)
    read = featurizer.read_tokens(docs)
    if read is not None:
        token_index = token_index[read]
    kwargs = {
        "features": xp2torch(features, device=device),
        "token_index": xp2torch(token_index, device=device),
        # PackedSequence's batch sizes are built from these and must be on the CPU.
        "lengths": torch.from_numpy(featurizer.sequence_lengths(docs, read)),
    }
    if chars is not None:
        kwargs["chars"] = xp2torch(chars, device=device)
    if use_vectors and len(token_index):
        vectors = featurizer.vectors(docs)
        kwargs["vectors"] = xp2torch(vectors if read is None else vectors[read], device=device)
    # Integer ids have no gradient.
    return ArgsKwargs(args=(), kwargs=kwargs), lambda d_inputs: []


def convert_outputs(model: Model, docs_and_output, is_train: bool):
    """Split the flat (n_tokens, n_labels) output into one array per doc. A
    whitespace token, which the LSTM does not read, gets a row of zeros
    (the component writes spaCy's whitespace annotation there instead) and
    no gradient."""
    docs, log_probs = docs_and_output
    xp = model.ops.xp
    flat = read_flat = torch2xp(log_probs)
    lengths = [len(doc) for doc in docs]
    # Fewer rows than tokens: some were whitespace (the usual case skips the check).
    read = TokenFeaturizer.read_tokens(docs) if len(read_flat) < sum(lengths) else None
    if read is not None:
        read_index = xp.asarray(numpy.flatnonzero(read))
        flat = xp.zeros((len(read), read_flat.shape[1]), dtype=read_flat.dtype)
        flat[read_index] = read_flat
    ends = numpy.cumsum(lengths)[:-1]
    per_doc = xp.split(flat, ends.tolist()) if len(docs) else []

    def get_d_log_probs(d_per_doc: List[Floats2d]) -> ArgsKwargs:
        d_flat = xp.concatenate(d_per_doc) if d_per_doc else flat[:0]
        if read is not None:
            d_flat = d_flat[read_index]
        grad = xp2torch(model.ops.asarray2f(d_flat, dtype="float32"), device=log_probs.device)
        return ArgsKwargs(args=(log_probs,), kwargs={"grad_tensors": grad})

    return list(per_doc), get_d_log_probs


def convert_inputs_v2(
    model: Model,
    docs_and_rows: Tuple[List[Doc], Optional[List[Floats2d]]],
    is_train: bool,
    *,
    featurizer: TokenFeaturizer,
    use_features: bool,
    use_vectors: bool,
    upstream_width: int,
) -> Tuple[ArgsKwargs, Callable]:
    """convert_inputs, with the upstream rows (one per token, in doc order,
    as the token index is) after the static vectors in the per-token
    `vectors` input; in training it requires grad, and the backward returns
    each doc's gradient rows."""
    docs, upstream = docs_and_rows
    inputs, no_gradient = convert_inputs(
        model, docs, is_train, featurizer=featurizer, use_vectors=use_vectors and upstream is None
    )
    if not use_features:
        # The module has no feature tables; the fused graph takes exactly the columns it reads.
        inputs.kwargs["features"] = inputs.kwargs["features"][:, :0]
    if upstream is None:
        return inputs, no_gradient
    ops = model.ops
    n_tokens = int(inputs.kwargs["token_index"].shape[0])  # the tokens the LSTM reads
    lengths = [len(doc) for doc in docs]
    if len(upstream) != len(docs) or any(rows.shape != (n, upstream_width) for rows, n in zip(upstream, lengths)):
        raise ValueError(
            f"spacy_lstm_tagger.LSTMTagger.v2: the tok2vec gave rows of shapes {[tuple(r.shape) for r in upstream]} for docs of "
            f"{lengths} tokens; the model was built for one row of width {upstream_width} per token."
        )
    if not n_tokens:
        return inputs, lambda d_inputs: [ops.alloc2f(n, upstream_width) for n in lengths]
    flat = ops.asarray2f(ops.xp.concatenate(upstream), dtype="float32")
    if use_vectors:
        flat = ops.xp.concatenate([ops.asarray2f(featurizer.vectors(docs), dtype="float32"), flat], axis=1)
    # Fewer tokens read than the docs have: some were whitespace.
    read = featurizer.read_tokens(docs) if n_tokens < sum(lengths) else None
    read_index = None if read is None else ops.xp.asarray(numpy.flatnonzero(read))
    if read_index is not None:
        flat = flat[read_index]
    static_width = flat.shape[1] - upstream_width
    vectors = xp2torch(flat, requires_grad=is_train, device=model.shims[0].device)
    inputs.kwargs["vectors"] = vectors
    ends = numpy.cumsum(lengths)[:-1].tolist()

    def get_d_rows(d_inputs: ArgsKwargs) -> List[Floats2d]:
        grad = d_inputs.kwargs.get("vectors")
        if grad is None:  # no gradient reached the rows
            return [ops.alloc2f(n, upstream_width) for n in lengths]
        d_flat = ops.xp.ascontiguousarray(torch2xp(grad)[:, static_width:])
        if read_index is not None:
            # Whitespace tokens were not read: no gradient for their rows.
            d_all = ops.alloc2f(sum(lengths), upstream_width)
            d_all[read_index] = d_flat
            d_flat = d_all
        return [ops.xp.ascontiguousarray(d) for d in ops.xp.split(d_flat, ends)]

    return inputs, get_d_rows


def convert_outputs_v2(model: Model, inputs_and_output, is_train: bool):
    """convert_outputs for the (docs, rows) input."""
    (docs, _), log_probs = inputs_and_output
    return convert_outputs(model, (docs, log_probs), is_train)
