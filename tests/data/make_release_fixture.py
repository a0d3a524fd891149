"""Makes tests/data/pipeline_0.1.0/: a small pipeline saved by release 0.1.0
of this package (commit 733a539), and the tags it gave then, so that
tests/test_compat.py can check that later releases load it and tag the same.

Run once, with 0.1.0 installed; the output is committed. Not run by the tests.
"""
import json
import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc
from spacy.training import Example

OUT = Path(__file__).resolve().parent / "pipeline_0.1.0"
MODEL = {
    "word_rows": 300, "subword_rows": 100, "shape_rows": 30, "word_width": 16, "subword_width": 4,
    "char_rows": 60, "char_width": 8, "char_filters": 8, "char_length": 8,
    "hidden_width": 16, "depth": 1, "dropout": 0.0, "word_dropout": 0.0,
}
DATA = [
    ("The dog ate the apple".split(), ["DT", "NN", "VBD", "DT", "NN"], ["DET", "NOUN", "VERB", "DET", "NOUN"]),
    ("Everybody read that book".split(), ["NN", "VBD", "DT", "NN"], ["PRON", "VERB", "DET", "NOUN"]),
    ("I like green eggs .".split(), ["PRP", "VBP", "JJ", "NNS", "."], ["PRON", "VERB", "ADJ", "NOUN", "PUNCT"]),
    ("She eats quickly".split(), ["PRP", "VBZ", "RB"], ["PRON", "VERB", "ADV"]),
]
TEXTS = ["The dog ate the apple", "Everybody read that book .", "She likes green apples", "Unseen wordz here"]


def main() -> None:
    import spacy_lstm_tagger

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("lstm_tagger", config={"model": MODEL, "confidence": "predicted"})
    nlp.add_pipe("lstm_tagger", name="upos_tagger", config={"model": MODEL, "attr": "pos"})
    examples = [
        Example.from_dict(Doc(nlp.vocab, words=words), {"tags": tags, "pos": pos}) for words, tags, pos in DATA
    ]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(150):
        nlp.update(examples, sgd=optimizer)
    nlp.to_disk(OUT)
    expected = []
    for doc in nlp.pipe(TEXTS):
        expected.append({
            "text": doc.text,
            "tags": [t.tag_ for t in doc],
            "pos": [t.pos_ for t in doc],
            "tag_probs": [round(t._.tag_prob, 5) for t in doc],
        })
    meta = {"release": spacy_lstm_tagger.__version__, "commit": sys.argv[1] if len(sys.argv) > 1 else "", "docs": expected}
    (OUT.parent / "pipeline_0.1.0.expected.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf8")


if __name__ == "__main__":
    main()
