"""The sentence starts each cut rule finds on a treebank grouped 10 sentences to
a doc, and its cuts elsewhere (the trial behind the featurizer's opening-mark
rule, 2026-12-04). A sketch of the rules in plain Python: punctuation is "no
letter or digit" here, where the featurizer reads spaCy's IS_PUNCT, so its
counts differ from benchmarks/paragraphs.py's by a few.
rule 0: spaCy's Sentencizer; 1: an opening mark (a space before, none after)
starts its sentence; 2: runs of .?!… also end one; 3: those only before a
capitalized word.

    python cut_rules.py corpus/en_ewt-ud-train.spacy
"""
import sys, re
import spacy
from spacy.tokens import DocBin
from spacy.pipeline import Sentencizer
nlp = spacy.blank("en")
docs = list(DocBin().from_disk(sys.argv[1]).get_docs(nlp.vocab))
sents = []
for d in docs:
    sents.extend(s.as_doc() for s in d.sents) if d.has_annotation("SENT_START") and len(d) > 1 else sents.append(d)
P = Sentencizer.default_punct_chars
multi = re.compile(r"^([.?!…]{2,}|…)$")
def cuts(tokens, spaces, rule):
    # tokens: texts; spaces: trailing whitespace flags; returns set of start indices (excluding 0)
    out = set(); seen = False
    for i, t in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        is_final = t in P or (rule >= 2 and multi.match(t) is not None and (rule == 2 or nxt.istitle() or nxt.isupper()))
        is_punct = not any(c.isalnum() for c in t)
        opening = rule >= 1 and is_punct and i > 0 and spaces[i-1] and not spaces[i] and i + 1 < len(tokens)
        if seen and (not is_punct or opening) and not is_final:
            out.add(i); seen = False
        elif is_final:
            seen = True
    return out
for rule in (0, 1, 2, 3):
    tp = fp = gold = 0
    for g in range(0, len(sents), 10):
        group = sents[g:g+10]
        toks, sp, starts, k = [], [], set(), 0
        for s in group:
            starts.add(k)
            toks += [t.text for t in s]; sp += [bool(t.whitespace_) for t in s]; k += len(s)
        starts.discard(0)
        c = cuts(toks, sp, rule)
        tp += len(c & starts); fp += len(c - starts); gold += len(starts)
    print(f"rule {rule}: gold starts {gold}, found {tp} ({100*tp/gold:.1f}%), false cuts {fp}")
