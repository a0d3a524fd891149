"""Decode-only probe: where the (form, predicted UPOS) key is not in the lexicon, would the form's
training lemma (over every UPOS) beat the rules' lemma?"""
import sys
from collections import Counter, defaultdict
import spacy
from spacy.tokens import DocBin

model, train, dev = sys.argv[1:4]
nlp = spacy.load(model)
train_docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
by_key, by_form = defaultdict(Counter), defaultdict(Counter)
for doc in train_docs:
    for t in doc:
        if t.lemma_ and t.lemma_ != "_":
            by_key[(t.text, t.pos_)][t.lemma_] += 1
            by_form[t.text][t.lemma_] += 1
gold_docs = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
texts = [spacy.tokens.Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in gold_docs]
stats = Counter()
for gold, pred in zip(gold_docs, nlp.pipe(texts, batch_size=256)):
    for g, p in zip(gold, pred):
        if g.lemma_ in ("", "_"):
            continue
        if (p.text, p.pos_) in by_key:
            continue
        stats["unkeyed"] += 1
        stats["rules right"] += p.lemma_ == g.lemma_
        if p.text not in by_form:
            continue
        lemmas = by_form[p.text]
        top, n = lemmas.most_common(1)[0]
        share = n / sum(lemmas.values())
        for min_share in (0.5, 0.9, 1.0):
            if share >= min_share:
                k = f"share>={min_share}"
                stats[k + " tokens"] += 1
                stats[k + " rules right"] += p.lemma_ == g.lemma_
                stats[k + " form right"] += top == g.lemma_
for k, v in sorted(stats.items()):
    print(f"{k}\t{v}")
