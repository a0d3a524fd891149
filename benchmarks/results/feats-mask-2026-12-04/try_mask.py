"""Issue 32 candidate, decoding only: FEATS bundles masked by the predicted
UPOS (the bundles the training data has with that UPOS), and a joint
variant (the (UPOS, FEATS) pair seen in training with the highest summed
log-probability). No training: a trained pipeline's log-probabilities on a
dev set, scored for UPOS, whole-bundle FEATS and UFeats (the scorer's own
ufeats definition) under each decoding.

    python try_mask.py MODEL_DIR TRAIN.spacy DEV.spacy [--min-count 1]
"""
import argparse
from collections import Counter

import numpy
import spacy
from spacy.tokens import DocBin

from spacy_lstm_tagger.cli._util import unannotated_copy
from spacy_lstm_tagger.morph import universal_features


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model"); p.add_argument("train"); p.add_argument("dev")
    p.add_argument("--min-count", type=int, default=1)
    a = p.parse_args()
    nlp = spacy.load(a.model)
    pipe = nlp.get_pipe("lstm_tagger")
    heads = {h.attr: h for h in pipe._heads()}
    pos_h, morph_h = heads["pos"], heads["morph"]
    pos_labels, morph_labels = pos_h.labels, morph_h.labels
    pairs = Counter()
    for doc in DocBin().from_disk(a.train).get_docs(nlp.vocab):
        for t in doc:
            if t.pos_ and t.has_morph() or t.pos_:
                pairs[(t.pos_, str(t.morph) or "_")] += 1
    m_index = {m: i for i, m in enumerate(morph_labels)}
    allowed = numpy.zeros((len(pos_labels), len(morph_labels)), dtype=bool)
    for (pos, morph), n in pairs.items():
        if n >= a.min_count and pos in pos_labels and morph in m_index:
            allowed[pos_labels.index(pos), m_index[morph]] = True
    # A UPOS never seen keeps every bundle.
    allowed[~allowed.any(axis=1)] = True
    gold = list(DocBin().from_disk(a.dev).get_docs(nlp.vocab))
    docs = [unannotated_copy(d, nlp.vocab) for d in gold]
    # Sentence by sentence, as spacy evaluate --gold-preproc reads them.
    log_probs = []
    for i in range(0, len(docs), 256):
        log_probs.extend(pipe.predict(docs[i:i + 256]))
    stats = Counter()
    for g, lp in zip(gold, log_probs):
        pos_lp, morph_lp = lp[:, pos_h.columns], lp[:, morph_h.columns]
        pos_guess = pos_lp.argmax(1)
        plain = morph_lp.argmax(1)
        masked = numpy.where(allowed[pos_guess], morph_lp, -numpy.inf).argmax(1)
        joint_scores = pos_lp[:, :, None] + morph_lp[:, None, :]
        joint_scores = numpy.where(allowed[None], joint_scores, -numpy.inf).reshape(len(g), -1)
        best = joint_scores.argmax(1)
        joint_pos, joint_morph = best // len(morph_labels), best % len(morph_labels)
        for k, t in enumerate(g):
            gm = str(t.morph) or "_"
            stats["n"] += 1
            stats["pos plain"] += pos_labels[pos_guess[k]] == t.pos_
            stats["pos joint"] += pos_labels[joint_pos[k]] == t.pos_
            for name, guess in (("plain", plain[k]), ("masked", masked[k]), ("joint", joint_morph[k])):
                pm = morph_labels[guess]
                stats[f"morph {name}"] += pm == gm
                stats[f"ufeats {name}"] += universal_features(pm) == universal_features(gm)
    n = stats.pop("n")
    for key, value in sorted(stats.items()):
        print(f"{key:<16} {100 * value / n:.2f}")


if __name__ == "__main__":
    main()
