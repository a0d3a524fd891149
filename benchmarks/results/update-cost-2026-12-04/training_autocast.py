"""spacy train --code file for issue 31's accuracy check: every lstm_tagger's
updates under torch.autocast("cpu", bfloat16) (the shim's training_autocast),
set once before the first update. Evaluation and saving stay float32."""
import torch
from spacy.util import registry


@registry.callbacks("update_cost.training_autocast.v1")
def make_training_autocast(dtype: str = "bfloat16"):
    value = getattr(torch, dtype)

    def before_update(nlp, info):
        if info["step"] == 0:
            for _, component in nlp.pipeline:
                model = getattr(component, "model", None)
                if model is not None and model.name == "lstm_tagger":
                    for shim in model.layers[0].shims:
                        shim.training_autocast = value
                    print(f"update_cost: {component.name} updates under autocast {value}", flush=True)

    return before_update
