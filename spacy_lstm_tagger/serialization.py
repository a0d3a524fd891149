"""Saving and loading an lstm_tagger: what a saved pipeline holds, and the
checks that refuse a damaged or hostile one with the file and the field named.

A mixin of LSTMTaggerComponent, kept apart because the checks, not the
component's training or tagging, are what one reads it for.
"""
import hashlib
import warnings
from pathlib import Path

import srsly
from spacy import util

from .settings import CONFIG_SETTINGS, check_component_settings


def head_layout(heads) -> list:
    """What the model's output columns mean, stored with the weights (as a
    thinc model attr): per head in column order its attribute, its UD
    feature (features mode, else ""), its number of labels and a digest of
    them in order. The cfg alone cannot tell a head's columns apart from
    another layout of the same total size."""
    return [
        [head.attr, head.feature or "", len(head.labels), hashlib.sha256("\n".join(head.labels).encode()).hexdigest()[:16]]
        for head in heads
    ]


def stored_head_layout(data: bytes):
    """The head layout stored in thinc model bytes, None if absent or unreadable."""
    try:
        # thinc stores each attr msgpack-encoded (thinc.model.serialize_attr).
        return srsly.msgpack_loads(srsly.msgpack_loads(data)["attrs"][0]["head_layout"])
    except Exception:
        return None


def describe_layout(layout) -> str:
    return ", ".join(
        f"{attr}{'.' + feature if feature else ''} ({n} labels, digest {digest})" for attr, feature, n, digest in layout
    )


class SavedComponent:
    """to_bytes / from_bytes / to_disk / from_disk for LSTMTaggerComponent."""

    # spaCy loads cfg, then vocab, then model. The torch module's size depends
    # on the labels, so it is built from the loaded cfg before its weights are
    # read (thinc refuses weights for a layer that does not exist yet).

    def _load_cfg(self, data: bytes, source: str) -> None:
        try:
            stored = srsly.json_loads(data)
        except ValueError as err:
            raise ValueError(f"lstm_tagger '{self.name}': {source} is not valid JSON ({err}).") from None
        if not isinstance(stored, dict):
            raise ValueError(f"lstm_tagger '{self.name}': {source} must hold a JSON object, got {stored!r}.")
        # No morph_mode: saved before it existed (release 0.1.0, 0.2.0), whose
        # weights predict whole bundles, whatever the pipeline's config says.
        # No lemma_lexicon: none was built (no lemma head, or no POS head beside it).
        base = {key: value for key, value in self.cfg.items() if key != "lemma_lexicon"}
        # No feature_loss_weight: saved before it existed, trained at 1.
        cfg = {**base, "morph_mode": "bundle", "feature_loss_weight": 1.0, **stored}
        check_component_settings(cfg, f"lstm_tagger '{self.name}': {source}")
        cfg.update(self._config_settings)  # the config decides these
        self.cfg = cfg

    def _load_model_bytes(self, data: bytes, source: str) -> None:
        if not self.predicted_attrs:
            raise ValueError(f"lstm_tagger '{self.name}': {source}: the stored cfg lists no labels.")
        self._build_model()
        expected = self.model.attrs["head_layout"]
        # thinc stores a model's attrs with its weights and restores those it
        # finds: a file saved before 0.4.0 has no head_layout and keeps None.
        self.model.attrs["head_layout"] = None
        try:
            self.model.from_bytes(data)
        except Exception as err:
            if "dimension 'nO'" in str(err):
                self._check_head_layout(stored_head_layout(data), expected, source)
                n_labels = sum(len(labels) for labels in self.head_labels.values())
                n_columns = sum(self.model.attrs["head_sizes"])
                columns = f" ({n_columns} output columns in morph_mode '{self.cfg['morph_mode']}')" if n_columns != n_labels else ""
                raise ValueError(
                    f"lstm_tagger '{self.name}': {source}: the cfg lists {n_labels} labels{columns}, "
                    f"which does not match the weights ({err})."
                ) from None
            raise ValueError(f"lstm_tagger '{self.name}': cannot load the weights in {source}: {err}") from None
        stored = self.model.attrs["head_layout"]
        self.model.attrs["head_layout"] = expected
        self._check_head_layout(stored, expected, source)

    def _check_head_layout(self, stored, expected, source: str) -> None:
        if stored is not None and [list(head) for head in stored] != expected:
            raise ValueError(
                f"lstm_tagger '{self.name}': {source}: the weights' output columns were trained for the heads "
                f"{describe_layout(stored)}, but the cfg's attr, labels and morph_mode make "
                f"{describe_layout(expected)}; the cfg was edited or belongs to other weights."
            )

    def _warn_unsaved_settings(self) -> None:
        changed = [k for k in CONFIG_SETTINGS if self.cfg[k] != self._config_settings[k]]
        if changed:
            listed = ", ".join(f"{k} = {self.cfg[k]!r}" for k in changed)
            warnings.warn(
                f"lstm_tagger '{self.name}': {listed} was set after the pipeline was made; the pipeline's "
                "config (which spacy.load uses for these settings) still says "
                + ", ".join(f"{k} = {self._config_settings[k]!r}" for k in changed)
                + ". Set it in the config, or at load: spacy.load(path, config={'components': "
                f"{{'{self.name}': {{...}}}}}})."
            )

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        """Serialize the pipe to a bytestring.

        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (bytes): The serialized object.
        """
        self._warn_unsaved_settings()
        serialize = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "vocab": lambda: self.vocab.to_bytes(exclude=exclude),
            "model": self.model.to_bytes,
        }
        return util.to_bytes(serialize, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "SavedComponent":
        """Load the pipe from a bytestring.

        bytes_data (bytes): The serialized pipe.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (LSTMTaggerComponent): The loaded object.
        """
        deserialize = {
            "cfg": lambda b: self._load_cfg(b, "the cfg bytes"),
            "vocab": lambda b: self.vocab.from_bytes(b, exclude=exclude),
            "model": lambda b: self._load_model_bytes(b, "the model bytes"),
        }
        util.from_bytes(bytes_data, deserialize, exclude)
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        """Serialize the pipe to disk.

        path (str / Path): Path to a directory.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        """
        self._warn_unsaved_settings()
        serialize = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "vocab": lambda p: self.vocab.to_disk(p, exclude=exclude),
            "model": lambda p: Path(p).write_bytes(self.model.to_bytes()),
        }
        util.to_disk(path, serialize, exclude)

    def from_disk(self, path, *, exclude=tuple()) -> "SavedComponent":
        """Load the pipe from disk.

        path (str / Path): Path to a directory.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (LSTMTaggerComponent): The loaded object.
        """
        def read(p: Path, what: str) -> bytes:
            if not p.is_file():
                raise ValueError(f"lstm_tagger '{self.name}': {what} file {p} is missing.")
            return p.read_bytes()

        deserialize = {
            "cfg": lambda p: self._load_cfg(read(p, "the cfg"), str(p)),
            "vocab": lambda p: self.vocab.from_disk(p, exclude=exclude),
            "model": lambda p: self._load_model_bytes(read(p, "the weights"), str(p)),
        }
        util.from_disk(path, deserialize, exclude)
        return self
