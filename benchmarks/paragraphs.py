"""Paragraphs: a trained pipeline on docs of several sentences, with and
without sentence boundaries, against one sentence per doc (issue 30).

A treebank's test sentences (a .spacy DocBin, or a .conllu file converted as
`spacy convert --converter conllu --n-sents 1` does) are grouped N consecutive
sentences to a doc (default 10, the last group shorter) and tagged four ways,
the same words each time:

- "1 sentence per doc": each sentence its own doc, words and spaces only, as
  `spacy evaluate --gold-preproc` reads them;
- "1 sentence per doc, boundaries set": the same with its one sentence marked
  (doc.has_annotation("SENT_START") true), so nothing is cut inside it;
- "N sentences per doc, boundaries set": the gold sentence starts set, as a
  parser, senter or sentencizer before lstm_tagger would;
- "N sentences per doc, no boundaries": words and spaces only, what
  nlp(paragraph) gives in a pipeline without a sentence splitter.

With --wrap WIDTH two more: one sentence per doc and N sentences per doc
without boundaries, their lines wrapped at WIDTH characters (a line break
token where a space was), as text from mail or a fixed-width file comes.

With --pages (a .conllu file) two more: each document of the file as running
text, the sentences of a paragraph joined by a space and paragraphs by a blank
line (its # newdoc and # newpar comments), with the gold sentence starts set
and without boundaries.

Each is scored with the pipeline's own scorers (nlp.evaluate: tag_acc, pos_acc,
morph_acc, lemma_acc), with the featurizer's cut at likely sentence ends
(split_unsegmented, "new") and, with --old, without it ("old": a doc without
boundaries read as one sequence), in the same process. Then words/s on the
paragraph docs without boundaries (nlp.pipe; old and new alternated round by
round after an untimed warm-up; best and median round of each) and, with
--latency K, the median ms of one nlp(text) call for K sentences (old and new
alternated call by call).

    python benchmarks/paragraphs.py training/default/model-best --docs corpus/en_ewt-ud-test.spacy \\
        --old --latency 400 --json paragraphs-test.json
"""
import argparse
import copy
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy
import spacy
import torch

from _environment import emit, environment, git_commit
from spacy.attrs import LEMMA, MORPH, POS, SENT_START, TAG
from spacy.tokens import Doc, DocBin
from spacy.training import Example

SCORES = {"XPOS": "tag_acc", "UPOS": "pos_acc", "FEATS": "morph_acc", "LEMMA": "lemma_acc"}


def read_sentences(path: Path, vocab) -> list:
    """The gold sentences, one Doc each, in corpus order."""
    if path.suffix == ".conllu":
        from spacy.training.converters import conllu_to_docs

        docs = conllu_to_docs(path.read_text(encoding="utf8"), n_sents=1, no_print=True)
        docs = [Doc(vocab).from_bytes(doc.to_bytes()) for doc in docs]
    else:
        docs = list(DocBin().from_disk(path).get_docs(vocab))
    sentences = []
    for doc in docs:
        if doc.has_annotation("SENT_START") and len(doc) > 1:
            sentences.extend(sent.as_doc() for sent in doc.sents)
        else:
            sentences.append(doc)
    return [doc for doc in sentences if len(doc)]


def conllu_layout(path: Path) -> list:
    """(starts a document, starts a paragraph) for each sentence of a CoNLL-U
    file, in order, from its "# newdoc" and "# newpar" comments."""
    layout, newdoc, newpar, in_sentence = [], False, False, False
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("# newdoc"):
            newdoc = True
        elif line.startswith("# newpar"):
            newpar = True
        elif line.strip() and not line.startswith("#"):
            if not in_sentence:
                layout.append((newdoc, newdoc or newpar))
                newdoc, newpar, in_sentence = False, False, True
        elif not line.strip():
            in_sentence = False
    return layout


def pages(sentences: list, layout: list) -> list:
    """Gold docs of whole documents as running text: the sentences of a
    paragraph joined by a space, paragraphs by a blank line (a whitespace
    token of two line breaks, unannotated, which spaCy's scorer skips), with their sentence
    starts; the whitespace token belongs to the sentence before it."""
    if len(layout) != len(sentences):
        sys.exit(f"{len(layout)} sentences in the CoNLL-U layout, {len(sentences)} read")
    vocab = sentences[0].vocab
    documents, parts = [], []
    for sentence, (newdoc, newpar) in zip(sentences, layout):
        if newdoc and parts:
            documents.append(parts)
            parts = []
        if newpar and parts:
            parts.append(Doc(vocab, words=["\n\n"], spaces=[False]))
        parts.append(sentence)
    if parts:
        documents.append(parts)
    out = []
    for parts in documents:
        doc = Doc.from_docs(parts, ensure_whitespace=True)
        # from_docs starts a sentence at every part; a blank line starts none.
        starts = [bool(t.is_sent_start) and not t.is_space for t in doc]
        out.append((doc, starts))
    return out


def wrapped(doc: Doc, width: int) -> Doc:
    """doc as text wrapped at width characters: a line break token ("\n",
    what spaCy's tokenizer makes of one) in place of the space before each
    token that would pass the width, with doc's annotation on the other
    tokens and none on the line breaks (spaCy's scorer skips them)."""
    words, spaces, source, column = [], [], [], 0
    for token in doc:
        if words and spaces[-1] and column + len(token.text) > width:
            spaces[-1] = False
            words.append("\n")
            spaces.append(False)
            source.append(-1)
            column = 0
        words.append(token.text)
        spaces.append(bool(token.whitespace_))
        source.append(token.i)
        column += len(token.text_with_ws)
    out = Doc(doc.vocab, words=words, spaces=spaces)
    attrs = [TAG, POS, MORPH, LEMMA, SENT_START]
    values = doc.to_array(attrs)
    array = numpy.zeros((len(out), len(attrs)), dtype=values.dtype)
    kept = numpy.asarray(source) >= 0
    array[kept] = values[numpy.asarray(source)[kept]]
    out.from_array(attrs, array)
    return out


def words_only(doc: Doc, boundaries: bool, sent_starts=None) -> Doc:
    """doc's words and spaces in a fresh Doc; with boundaries, sentence starts
    (sent_starts, default the whole doc one sentence) set on every token."""
    words = [t.text for t in doc]
    spaces = [bool(t.whitespace_) for t in doc]
    if not boundaries:
        return Doc(doc.vocab, words=words, spaces=spaces)
    if sent_starts is None:
        sent_starts = [True] + [False] * (len(words) - 1)
    return Doc(doc.vocab, words=words, spaces=spaces, sent_starts=sent_starts)


def paragraphs(sentences: list, n: int) -> list:
    """Gold docs of n consecutive sentences, with their sentence starts."""
    groups = [sentences[i : i + n] for i in range(0, len(sentences), n)]
    return [Doc.from_docs(group, ensure_whitespace=True) for group in groups]


def featurizers(nlp) -> list:
    """Every lstm_tagger's TokenFeaturizer (the convert_inputs step's)."""
    found = []
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or model.name != "lstm_tagger":
            continue
        for node in model.walk():
            convert = node.attrs.get("convert_inputs")
            if isinstance(convert, partial) and "featurizer" in convert.keywords:
                found.append(convert.keywords["featurizer"])
    if not found:
        sys.exit("no lstm_tagger with a TokenFeaturizer in this pipeline")
    return found


def set_split(nlp, on: bool) -> None:
    for featurizer in featurizers(nlp):
        featurizer.split_unsegmented = on


def cuts_against_gold(nlp, gold_paragraphs) -> dict:
    """How the cut's sequence starts (inside the docs, windows aside) match
    the gold sentence starts of the paragraphs."""
    featurizer = copy.copy(featurizers(nlp)[0])
    featurizer.split_unsegmented = True
    featurizer.max_sequence_length = 10**9
    gold, found, extra = 0, 0, 0
    for doc in gold_paragraphs:
        lengths = featurizer.sequence_lengths([words_only(doc, False)])
        cut = set((lengths.cumsum() - lengths).tolist()) - {0}
        starts = {t.i for t in doc if t.is_sent_start and t.i}
        gold += len(starts)
        found += len(cut & starts)
        extra += len(cut - starts)
    return {"gold_sentence_starts": gold, "cut_at_a_gold_start": found, "cut_elsewhere": extra}


def tagged(nlp, examples) -> list:
    """(tag, pos, morph, lemma) of every token, in order, as nlp tags the
    examples' predicted docs."""
    docs = nlp.pipe([eg.predicted.copy() for eg in examples])
    return [(t.tag, t.pos, t.morph.key, t.lemma) for doc in docs for t in doc]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a trained pipeline with an lstm_tagger")
    parser.add_argument("--docs", default="corpus/en_ewt-ud-test.spacy", help=".spacy or .conllu")
    parser.add_argument("--sentences-per-doc", type=int, default=10)
    parser.add_argument("--old", action="store_true", help="also without the cut (old behaviour), side by side")
    parser.add_argument("--limit", type=int, default=0, help="the first K sentences only (0: all)")
    parser.add_argument("--speed-rounds", type=int, default=3, help="timed nlp.pipe rounds per mode (0: none)")
    parser.add_argument("--latency", type=int, default=0, metavar="K", help="median ms of nlp(text) on K sentences")
    parser.add_argument("--no-accuracy", action="store_true", help="time only (no scores)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument(
        "--pages", action="store_true",
        help="also whole documents as running text, paragraphs a blank line apart (--docs a .conllu with # newdoc / # newpar)",
    )
    parser.add_argument(
        "--wrap", type=int, default=0, metavar="WIDTH",
        help="also the docs without boundaries with their lines wrapped at WIDTH characters (line break tokens)",
    )
    parser.add_argument("--json", help="write the result here too")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    nlp = spacy.load(args.model)
    sentences = read_sentences(Path(args.docs), nlp.vocab)
    if args.limit:
        sentences = sentences[: args.limit]
    n = args.sentences_per_doc
    gold_paragraphs = paragraphs(sentences, n)
    conditions = {
        "1 sentence per doc": [Example(words_only(s, False), s) for s in sentences],
        "1 sentence per doc, boundaries set": [Example(words_only(s, True), s) for s in sentences],
        f"{n} sentences per doc, boundaries set": [
            Example(words_only(p, True, [bool(t.is_sent_start) for t in p]), p) for p in gold_paragraphs
        ],
        f"{n} sentences per doc, no boundaries": [Example(words_only(p, False), p) for p in gold_paragraphs],
    }
    if args.pages:
        if Path(args.docs).suffix != ".conllu":
            sys.exit("--pages reads the # newdoc / # newpar comments of a .conllu file")
        documents = pages(sentences, conllu_layout(Path(args.docs))[: len(sentences)])
        conditions["documents, blank lines between paragraphs, boundaries set"] = [
            Example(words_only(doc, True, starts), doc) for doc, starts in documents
        ]
        conditions["documents, blank lines between paragraphs, no boundaries"] = [
            Example(words_only(doc, False), doc) for doc, _ in documents
        ]
    if args.wrap:
        conditions[f"1 sentence per doc, wrapped at {args.wrap}"] = [
            Example(words_only(doc, False), doc) for doc in (wrapped(s, args.wrap) for s in sentences)
        ]
        conditions[f"{n} sentences per doc, no boundaries, wrapped at {args.wrap}"] = [
            Example(words_only(doc, False), doc) for doc in (wrapped(p, args.wrap) for p in gold_paragraphs)
        ]
    modes = ["new", "old"] if args.old else ["new"]
    result = {
        **environment(),
        "command": " ".join(sys.argv),
        "commit": git_commit(),
        "model": args.model,
        "docs": args.docs,
        "sentences": len(sentences),
        "words": sum(len(s) for s in sentences),
        "sentences_per_doc": n,
        "cuts": cuts_against_gold(nlp, gold_paragraphs),
        "scores": {},
        "tokens_differing_old_new": {},
    }
    predictions = {}
    for mode in [] if args.no_accuracy else modes:
        set_split(nlp, mode == "new")
        for name, examples in conditions.items():
            scores = nlp.evaluate(examples)
            result["scores"][f"{name} ({mode})"] = {
                column: round(100 * scores[key], 2) for column, key in SCORES.items() if scores.get(key) is not None
            }
            if args.old:
                predictions[name, mode] = tagged(nlp, examples)
            print(f"{name} ({mode}): {result['scores'][f'{name} ({mode})']}", flush=True)
    if args.old and not args.no_accuracy:
        for name in conditions:
            old, new = predictions[name, "old"], predictions[name, "new"]
            result["tokens_differing_old_new"][name] = sum(a != b for a, b in zip(old, new))

    # Words/s on the paragraph docs without boundaries, old and new alternated.
    unsegmented = conditions[f"{n} sentences per doc, no boundaries"]
    n_words = sum(len(eg.predicted) for eg in unsegmented)
    timings = {mode: [] for mode in modes}
    for mode in modes if args.speed_rounds else []:
        # Untimed: the first batches build the fused engine and warm caches.
        set_split(nlp, mode == "new")
        for _ in nlp.pipe([eg.predicted.copy() for eg in unsegmented[:50]]):
            pass
    for round_ in range(args.speed_rounds):
        for mode in modes if round_ % 2 == 0 else modes[::-1]:
            set_split(nlp, mode == "new")
            docs = [eg.predicted.copy() for eg in unsegmented]
            start = time.perf_counter()
            for _ in nlp.pipe(docs):
                pass
            timings[mode].append(n_words / (time.perf_counter() - start))
    if args.speed_rounds:
        result["paragraph_words_per_second"] = {mode: round(max(values)) for mode, values in timings.items()}
        result["paragraph_words_per_second_median"] = {
            mode: round(statistics.median(values)) for mode, values in timings.items()
        }
        result["paragraph_words_per_second_rounds"] = {m: [round(v) for v in values] for m, values in timings.items()}
        print(f"words/s on paragraphs: {result['paragraph_words_per_second']}", flush=True)

    # Per call: nlp(text) on single sentences, old and new alternated call by call.
    if args.latency:
        texts = [s.text for s in sentences[: args.latency]]
        calls = {mode: [] for mode in modes}
        for i, text in enumerate(texts):
            for mode in modes if i % 2 == 0 else modes[::-1]:
                set_split(nlp, mode == "new")
                start = time.perf_counter()
                nlp(text)
                calls[mode].append(1000 * (time.perf_counter() - start))
        result["per_call_median_ms"] = {mode: round(statistics.median(values), 3) for mode, values in calls.items()}
        print(f"median ms per nlp(text) call: {result['per_call_median_ms']}", flush=True)
    set_split(nlp, True)
    emit(result, args.json)


if __name__ == "__main__":
    main()
