"""The cut's own cost before and after the blank-line rule: TokenFeaturizer.
sequence_lengths of the library at two trees, in one process, on EWT dev
(one sentence per call, and 10-sentence docs in batches of 26). A record of
one run (paths of the machine it ran on written in).

    OMP_NUM_THREADS=1 python cut_cost.py /work/wt-head /work/main
"""
import importlib.util
import sys
import timeit

import spacy
from spacy.tokens import DocBin


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, f"{path}/spacy_lstm_tagger/featurizer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


old, new = load(sys.argv[1], "old_featurizer"), load(sys.argv[2], "new_featurizer")
nlp = spacy.blank("en")
docs = list(DocBin().from_disk(f"{sys.argv[2]}/corpus/en_ewt-ud-dev.spacy").get_docs(nlp.vocab))
sentences = [nlp.make_doc(d.text) for d in docs[:400]]
paragraphs = [nlp.make_doc(" ".join(d.text for d in docs[i : i + 10])) for i in range(0, 400, 10)]
cases = {"one sentence per call": [[d] for d in sentences], "26 docs of 10 sentences": [paragraphs[:26], paragraphs[26:]]}
for label, batches in cases.items():
    for name, module in (("before", old), ("after", new), ("before", old), ("after", new)):
        featurizer = module.TokenFeaturizer(10, 10, 10, [1], [1], max_sequence_length=512)
        best = min(timeit.repeat(lambda: [featurizer.sequence_lengths(b) for b in batches], number=5, repeat=7))
        print(f"{label}, {name}: {best / 5 / len(batches) * 1e6:.1f} us per batch", flush=True)
