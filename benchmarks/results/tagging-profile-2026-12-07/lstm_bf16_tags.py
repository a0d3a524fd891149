"""What a bfloat16 recurrence does to the tags: a trained pipeline on torch alone (the fused path
off), its LSTM layers run as bfloat16 copies (inputs cast to bfloat16, outputs back to float32,
everything else float32), against the same pipeline in float32, on EWT dev: the four accuracies
and the share of tokens whose XPOS / UPOS / FEATS / LEMMA differ; and the seconds of each, with the
fused ONNX Runtime path's (float32) beside them. A probe, not a feature.
    OMP_NUM_THREADS=1 python benchmarks/results/tagging-profile-2026-12-07/lstm_bf16_tags.py MODEL
(from the repository root; internals: the module's lstm and upper_lstms, and benchmarks'
_environment.torch_only)."""
import sys
import time

import spacy
import torch
from spacy.tokens import DocBin
from spacy.training import Example
from torch.nn.utils.rnn import PackedSequence

sys.path.insert(0, "benchmarks")
from _environment import torch_only  # noqa: E402

from spacy_lstm_tagger.cli._util import unannotated_copy  # noqa: E402

torch.set_num_threads(1)


def bf16_forward(lstm):
    low = torch.nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=lstm.batch_first,
                        bidirectional=lstm.bidirectional).to(torch.bfloat16)
    low.load_state_dict({k: v.to(torch.bfloat16) for k, v in lstm.state_dict().items()})

    def forward(x, hx=None):
        if isinstance(x, PackedSequence):
            out, state = low(PackedSequence(x.data.to(torch.bfloat16), x.batch_sizes))
            return PackedSequence(out.data.float(), out.batch_sizes), state
        out, state = low(x.to(torch.bfloat16))
        return out.float(), state
    lstm.forward = forward


def run(nlp, gold):
    docs = [unannotated_copy(d, nlp.vocab) for d in gold]
    start = time.perf_counter()
    tagged = list(nlp.pipe(docs, batch_size=256))
    seconds = time.perf_counter() - start
    scores = nlp.get_pipe("lstm_tagger").score([Example(p, g) for p, g in zip(tagged, gold)])
    return tagged, seconds, scores


path = sys.argv[1]
results = {}
for precision in ("fused float32", "float32", "bfloat16"):
    nlp = spacy.load(path)
    if precision != "fused float32":
        torch_only(nlp)
    if precision == "bfloat16":
        module = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]._model
        for lstm in [module.lstm, *(module.upper_lstms or ())]:
            bf16_forward(lstm)
    gold = list(DocBin().from_disk("corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
    run(nlp, gold[:200])  # warm-up
    results[precision] = run(nlp, gold)
    tagged, seconds, scores = results[precision]
    print(f"{path} {precision}: {seconds:.2f} s;",
          " ".join(f"{k} {100 * scores[k]:.2f}" for k in ("tag_acc", "pos_acc", "morph_acc", "lemma_acc")))
a, b = results["float32"][0], results["bfloat16"][0]
n = sum(len(d) for d in a)
for attr in ("tag_", "pos_", "morph", "lemma_"):
    differ = sum(str(getattr(x, attr)) != str(getattr(y, attr)) for da, db in zip(a, b) for x, y in zip(da, db))
    print(f"  {attr.strip('_')}: {differ} of {n} tokens differ ({100 * differ / n:.3f}%)")
