"""The bridge between thinc and torch: where torch is set up for the tagger.

`LSTMTaggerShim` is thinc's `PyTorchShim` with the behaviour this tagger needs
(spacy-transformers' `HFShim` is the same pattern):

- prediction never changes the module's mode: the module stays in eval mode
  except during the forward pass of an update, so threads that tag at the same
  time never see each other's dropout (thinc's shim switches `eval()` and
  `train()` around every call);
- the embedding tables' sparse gradients get a lazy Adam step on the rows
  a batch used (lazy_adam.py), the rest thinc's dense step;
- the optimizer updates the parameters in place (thinc's shim rebinds `.data`
  each step, and the old storage was never freed: RSS grew by about the
  model's size per step);
- `use_params` swaps in the parameters under the keys `finish_update` gives
  the optimizer, `(shim id, name)`, so weight averages really are used (thinc's
  shim looks for other keys and silently keeps the raw weights);
- weights are stored as safetensors, never pickled, and checked at load;
- on the CPU, calls of up to fused.FUSED_MAX_TOKENS tokens run on a fused
  ONNX Runtime graph of the module's weights (fused.py) when the `onnx` extra
  is installed, without eager torch's fixed cost per operation (BENCHMARKS.md,
  "One sentence per call"): the same results, or with inference_precision =
  "int8" its LSTM layers' weights in int8 (a few tags in 10,000 differ). The graph is
  rebuilt whenever the module, a part of it, its weights (fused.ModuleWatch)
  or inference_precision changed, and is never built while the weights are
  being written. The one rule for code
  that writes the weights where torch's version counters cannot see it
  (through `param.data` or a numpy/cupy view, as finish_update does): do it
  inside `shim.changing_weights()`.
"""
import contextlib
import os
import threading
from typing import Callable, Dict, Optional

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.layers.pytorchwrapper import forward as pytorch_wrapper_forward
from thinc.shims import PyTorchShim

from . import fused
from .fused_graph import LSTM_WEIGHTS
from .lazy_adam import LazyAdam


def _one_torch_thread_in_forked_child() -> None:
    # A process forked after torch has started its OpenMP threads (nlp.pipe
    # with n_process > 1 under the fork start method) deadlocks at its first
    # parallel region: tests/test_multiprocessing.py hung. One thread per
    # worker also keeps n workers from oversubscribing n cores. Every forked
    # child gets it (docs/serving.md).
    torch.set_num_threads(1)


os.register_at_fork(after_in_child=_one_torch_thread_in_forked_child)

# What inference_precision may be: the fused graph's LSTM weights. The torch
# path is float32 either way.
INFERENCE_PRECISIONS = LSTM_WEIGHTS


def check_inference_precision(value) -> None:
    if value not in INFERENCE_PRECISIONS:
        raise ValueError(
            f"inference_precision must be {' or '.join(map(repr, INFERENCE_PRECISIONS))}, got {value!r}."
        )


# Fused engines a forked child inherited: kept, never called nor freed there
# (a thread of the parent may have held one of the runtime's locks at the
# fork; the pages stay shared with the parent).
_engines_from_parent: list = []


class LSTMTaggerShim(PyTorchShim):
    """thinc's PyTorchShim, safe to predict from several threads at once."""

    def __init__(self, model: torch.nn.Module, inference_precision: str = "float32", **kwargs):
        super().__init__(model, **kwargs)
        check_inference_precision(inference_precision)
        # The fused graph's LSTM weights (fused_graph.LSTM_WEIGHTS).
        self.inference_precision = inference_precision
        model.eval()
        self._lazy_adam = LazyAdam()
        # ((pid, weights generation, inference_precision), FusedTagger or None for torch, fused.ModuleWatch)
        self._fused_cache: Optional[tuple] = None
        # None: fused.FUSED_MAX_TOKENS; 0: always torch (benchmarks compare the two).
        self.fused_max_tokens: Optional[int] = None
        self._fused_lock = threading.Lock()
        # Odd while the weights are being written where torch's version
        # counters do not see it (changing_weights): no engine is built then.
        self._weights_generation = 0
        fused.remake_in_forked_child(self)

    def __getstate__(self):
        # A session and a lock do not pickle; a copy builds its own session.
        state = dict(self.__dict__)
        state["_fused_cache"] = None
        del state["_fused_lock"]
        return state

    def __setstate__(self, state):
        # A shim pickled by 0.6.0 listed its parameters; the watch does now.
        state.pop("_parameters", None)
        self.__dict__.update(state)
        self._fused_lock = threading.Lock()
        # A shim pickled by a release before 0.6.0 has none of these.
        self.__dict__.setdefault("_fused_cache", None)
        self.__dict__.setdefault("fused_max_tokens", None)
        self.__dict__.setdefault("_weights_generation", 0)
        # Or before inference_precision.
        self.__dict__.setdefault("inference_precision", "float32")
        # A shim pickled between 0.6.0 and training_precision has the setting
        # that replaced: training_autocast.
        self.__dict__.pop("training_autocast", None)
        fused.remake_in_forked_child(self)

    def _after_fork_in_child(self) -> None:
        # The child's only thread is the one that forked: a lock another
        # thread held stays held. The child builds its own engine.
        self._fused_lock = threading.Lock()
        if self._fused_cache is not None:
            _engines_from_parent.append(self._fused_cache)
            self._fused_cache = None

    def predict(self, inputs: ArgsKwargs):
        """The module's output without gradients. Reads the module, never
        changes it: the mode is eval (see begin_update)."""
        engine = self._fused_engine(inputs)
        with torch.inference_mode():
            if engine is not None:
                return engine(**inputs.kwargs)
            with torch.autocast(device_type="cuda", enabled=self._mixed_precision):
                return self._model(*inputs.args, **inputs.kwargs)

    def _fused_engine(self, inputs: ArgsKwargs):
        """The fused graph for this call, or None for torch: inputs of 1 to
        FUSED_MAX_TOKENS tokens, a module the graph covers, the runtime
        installed. Built on first use and again whenever the module, its
        parts or its weights (fused.ModuleWatch), the weights generation,
        inference_precision or the process (after a fork) changed."""
        token_index = inputs.kwargs.get("token_index")
        limit = fused.FUSED_MAX_TOKENS if self.fused_max_tokens is None else self.fused_max_tokens
        if token_index is None or inputs.args or not 0 < token_index.shape[0] <= limit:
            return None
        cached = self._fused_cache
        if (
            cached is not None
            and cached[0] == (os.getpid(), self._weights_generation, self.inference_precision)
            and cached[2].unchanged(self._model)
        ):
            return cached[1]
        return self._build_fused_engine()

    def _build_fused_engine(self):
        """A new engine for the module as it is now, cached unless the weights
        changed while it was built (a seqlock's reader: the generation and the
        watch read before and after), so that no engine is kept with
        half-written weights. None (torch) while the weights are being
        written or where they changed during the build."""
        generation = self._weights_generation
        if generation % 2:
            return None
        module = self._model
        precision = self.inference_precision
        check_inference_precision(precision)
        key = (os.getpid(), generation, precision)
        with self._fused_lock:
            cached = self._fused_cache
            if cached is not None and cached[0] == key and cached[2].unchanged(module):
                return cached[1]  # another thread built it meanwhile
            watch = fused.ModuleWatch(module)
            usable = fused.unsupported(module) is None and fused.runtime_available()
            engine = fused.FusedTagger(module, lstm_weights=precision) if usable else None
            if self._weights_generation != generation or not watch.unchanged(self._model):
                return None
            self._fused_cache = (key, engine, watch)
        return engine

    def begin_update(self, inputs: ArgsKwargs):
        """Forward in train mode (dropout on), then straight back to eval
        mode: the dropout masks are in the graph, and the backward pass does
        not read the mode."""
        self._model.train()
        try:
            return super().begin_update(inputs)
        finally:
            self._model.eval()

    def finish_update(self, optimizer) -> None:
        """Apply the optimizer to the parameters in place, through numpy/cupy
        views that share the tensors' memory."""
        skip = self._grad_scaler.found_inf  # an overflowed mixed-precision step
        with self.changing_weights():
            for name, param in self._model.named_parameters():
                if param.grad is None:
                    continue
                if param.grad.is_sparse:
                    # An embedding table: only the rows the batch used.
                    if not skip:
                        grad = param.grad.coalesce()
                        rows = torch2xp(grad.indices()[0])
                        self._lazy_adam.update(
                            optimizer, (self.id, name), torch2xp(param.data), rows, torch2xp(grad.values())
                        )
                    param.grad = None
                    continue
                if not skip:
                    weights = torch2xp(param.data)
                    updated, _ = optimizer((self.id, name), weights, torch2xp(param.grad))
                    if updated is not weights:
                        weights[...] = updated
                # None, not zeros: the next backward then hands its gradient
                # over as it is, where zeros cost a fill and an add over
                # every dense parameter (torch's zero_grad(set_to_none=True)).
                param.grad = None
        self._grad_scaler.update()

    @contextlib.contextmanager
    def changing_weights(self):
        """Write the module's weights inside this block where torch's version
        counters cannot see it (through `param.data`, or a numpy/cupy view):
        the generation is odd while the block runs, so no fused engine is
        built from half-written weights (predictions on other threads run on
        torch meanwhile), and bumped again after the writes, so the next call
        builds one from the new weights. One block at a time (not nested).
        Writes torch sees (in-place ops on the parameters, copy_,
        load_state_dict) need no block."""
        self._weights_generation += 1
        try:
            yield
        finally:
            self._weights_generation += 1

    @contextlib.contextmanager
    def use_params(self, params: Dict):
        """Use the parameters keyed (shim id, name), e.g. the optimizer's
        averages, inside the block; the module's own afterwards."""
        saved = []
        parameters = dict(self._model.named_parameters())
        self._lazy_adam.bring_averages_up_to_date(params, lambda key: torch2xp(parameters[key[1]].data))
        with torch.no_grad():
            for name, param in self._model.named_parameters():
                value = params.get((self.id, name)) if params else None
                if value is not None:
                    saved.append((param, param.detach().clone()))
                    param.copy_(xp2torch(value, device=param.device))
        try:
            yield
        finally:
            with torch.no_grad():
                for param, value in saved:
                    param.copy_(value)


def wrap_torch_model(
    module: torch.nn.Module,
    convert_inputs: Callable,
    convert_outputs: Callable,
    inference_precision: str = "float32",
) -> Model:
    """PyTorchWrapper_v3 with LSTMTaggerShim and safetensors weights (thinc's
    own wrapper forward; only the shim differs)."""
    shim = LSTMTaggerShim(
        module,
        inference_precision=inference_precision,
        serialize_model=serialize_torch_model,
        deserialize_model=deserialize_torch_model,
    )
    return Model(
        "pytorch",
        pytorch_wrapper_forward,
        attrs={"convert_inputs": convert_inputs, "convert_outputs": convert_outputs},
        shims=[shim],
        dims={"nI": None, "nO": None},
    )


def serialize_torch_model(module: torch.nn.Module) -> bytes:
    # safetensors holds raw tensors only: loading can never run code, unlike
    # torch.save's pickle.
    return save_safetensors({k: v.contiguous() for k, v in module.state_dict().items()})


def deserialize_torch_model(module: torch.nn.Module, data: bytes, device) -> torch.nn.Module:
    """Load weights into the module (built from the config beforehand),
    refusing weights that do not fit it or cannot be right."""
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
        if not tensor.is_floating_point():
            raise ValueError(f"the weights cannot be right: '{key}' holds {tensor.dtype} values, not floats")
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"the weights cannot be right: '{key}' holds NaN or infinite values")
    module.load_state_dict(state)
    module.to(device)
    module.eval()
    fused.hint_once(module)
    return module

