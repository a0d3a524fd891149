"""The gold side of training: each attribute's gold values read from the
examples, the labels initialize collects from them, and the check that
refuses gold a head cannot learn. spaCy and numpy only."""
from collections import Counter
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import numpy
from spacy.training import Example

from .attributes import ATTRIBUTES, LEXICON_KEYS, LEXICON_REFINERS, lemma_or_missing
from .featurizer import whitespace_tokens
from .heads import by_feature
from .lemma import lexicon_entries, refined_lexicon_entries
from .morph import is_known
from .settings import positive_label


def gold_values(example: Example, attrs: Sequence[str]) -> List[List[Optional[str]]]:
    """The gold values of each attr, one per predicted token, as its head's
    training labels (AttributeSpec.gold_label: for lemma, the rule that makes
    the gold lemma from the token's form): "" (missing annotation) and None
    (misaligned token) both become None, "no gradient" to the loss, and so
    does a whitespace token's value; a token whose features were annotated
    as none has "_" (a label) for morph."""
    return batch_gold_values([example], attrs)[0]


def batch_gold_values(examples: Sequence[Example], attrs: Sequence[str]) -> List[List[List[Optional[str]]]]:
    """gold_values of each example. Where both docs have the same words
    (training on gold tokens, the usual case) the alignment is one to one and
    the values are read from the references' arrays, the batch's at once:
    Example.get_aligned builds a Token per word per attribute, and a lookup
    per doc cost a share of an update."""
    specs = [ATTRIBUTES[attr] for attr in attrs]
    names = [spec.spacy_name for spec in specs]
    values: List[Optional[List[List[Optional[str]]]]] = [None] * len(examples)
    # The doc whose tokens the values follow: the reference where aligned.
    value_docs = [example.predicted for example in examples]
    aligned, arrays = [], []
    for i, example in enumerate(examples):
        predicted, reference = example.predicted, example.reference
        if len(predicted) == len(reference) and numpy.array_equal(
            predicted.to_array("ORTH"), reference.to_array("ORTH")
        ):
            aligned.append(i)
            value_docs[i] = reference
            # One column per attr (Doc.to_array returns a 1D array for one attr).
            arrays.append(reference.to_array(names).reshape(len(reference), len(names)))
        else:
            values[i] = [
                [value or None for value in example.get_aligned(name, as_string=True)] for name in names
            ]
    if aligned:
        strings = examples[aligned[0]].reference.vocab.strings
        columns = []
        for column in numpy.concatenate(arrays).T:
            ids, index = numpy.unique(column, return_inverse=True)
            id_names = [strings[int(i)] or None for i in ids]
            columns.append([id_names[i] for i in index.tolist()])
        start = 0
        for i, array in zip(aligned, arrays):
            values[i] = [column[start : start + len(array)] for column in columns]
            start += len(array)
    needs_forms = any(spec.gold_label for spec in specs)
    out = []
    for example, doc, doc_values in zip(examples, value_docs, values):
        forms = [token.text for token in doc] if needs_forms else []
        columns = [
            column if spec.gold_label is None
            else [spec.gold_label(form, value) if value else None for form, value in zip(forms, column)]
            for spec, column in zip(specs, doc_values)
        ]
        # The LSTM does not read whitespace tokens (their rows are zeros): no
        # label there, and no gradient (a corpus tokenized by spaCy may tag
        # them "_SP").
        spaces = whitespace_tokens(example.predicted).tolist()
        for column in columns if spaces else []:
            for i in spaces:
                column[i] = None
        out.append(columns)
    return out


def head_gold(
    examples: List[Example],
    head_labels: Dict[str, Sequence[str]],
    attrs: Sequence[str],
    morph_mode: str,
    neg_prefix: str,
    name: str,
) -> Dict[str, List[List[Optional[str]]]]:
    """{attr: per example, the gold training label per token} for the
    predicted attrs. A label outside the head's labels trains nothing where
    the attribute's spec says so (lemma's rare rules), else is refused."""
    per_example = batch_gold_values(examples, attrs)
    gold = {attr: [eg_gold[i] for eg_gold in per_example] for i, attr in enumerate(attrs)}
    for attr, truths in gold.items():
        labels, split = tuple(head_labels[attr]), by_feature(attr, morph_mode)
        if ATTRIBUTES[attr].rare_gold_trains_nothing:
            known = frozenset(labels)
            gold[attr] = [[t if t in known else None for t in doc] for doc in truths]
        else:
            # The labels the batch names, each once; the docs are searched
            # for the message only when one is unknown.
            named = {positive_label(t, neg_prefix) for t in {t for doc in truths for t in doc if t}}
            if not all(is_known(label, labels, split) for label in named):
                check_gold(examples, truths, attr, lambda t: is_known(t, labels, split), neg_prefix, name)
    return gold


def labels_from_data(
    examples: Iterable[Example],
    attrs: Sequence[str],
    neg_prefix: str,
    added: Dict[str, Sequence[str]],
    where: str,
) -> Dict[str, List[str]]:
    """The labels of each attribute in the examples, as its spec makes them
    from their counts (sorted; for lemma the rules seen at least
    MIN_RULE_FREQ times, lemma.py). "Not X" values are no labels; one naming
    no label of the data nor one `added` before is refused."""
    found: Dict[str, Counter] = {attr: Counter() for attr in attrs}
    negatives: Dict[str, set] = {attr: set() for attr in attrs}
    for example in examples:
        for attr, values in zip(attrs, gold_values(example, attrs)):
            for value in values:
                if value:
                    if value.startswith(neg_prefix):
                        negatives[attr].add(value)
                    else:
                        found[attr][value] += 1
    for attr in attrs:
        known = set(found[attr]) | set(added.get(attr, ()))
        orphans = sorted(n for n in negatives[attr] if positive_label(n, neg_prefix) not in known)
        if orphans:
            raise ValueError(
                f"{where}: the training data has the gold {attr} values {orphans[:10]}, which start with "
                f"neg_prefix {neg_prefix!r} ('not this label') but name no label the data has; fix the "
                "annotation or set the component's neg_prefix to another string."
            )
    return {attr: ATTRIBUTES[attr].labels_from_counts(found[attr]) for attr in attrs}


def check_gold(
    examples: Sequence[Any],
    truths: List[List[Optional[str]]],
    attr: str,
    known: Callable[[str], bool],
    neg_prefix: str,
    name: str,
) -> None:
    """Refuse gold values (or the labels "not X" values name) that the heads
    cannot learn (known(label) is false), naming the doc."""
    for eg, eg_truths in zip(examples, truths):
        unknown = {t for t in eg_truths if t and not known(positive_label(t, neg_prefix))}
        if unknown:
            raise ValueError(
                f"lstm_tagger '{name}': gold {attr} labels {sorted(unknown)[:10]} in the doc "
                f"starting {eg.reference.text[:40].strip()!r} are not among the labels collected at "
                "initialize; re-initialize on data that has them, or list them in "
                f"[initialize.components.{name}.labels]."
            )


def lemma_lexicon(examples: Iterable[Example], predicted_attrs: Sequence[str], morph_mode: str) -> Optional[dict]:
    """The lemma lexicon a cfg stores: the training data's (form, POS) ->
    lemma (lemma.lexicon_entries), keyed by the first of LEXICON_KEYS the
    component predicts, and where it also predicts some of LEXICON_REFINERS
    as one label per token, the finer keys whose lemma differs
    (lemma.refined_lexicon_entries), in their heads' labels; None without a
    lemma head or such a POS head."""
    pos_attr = next((a for a in LEXICON_KEYS if a in predicted_attrs), None)
    if "lemma" not in predicted_attrs or pos_attr is None:
        return None
    refined_by = [
        a for a in LEXICON_REFINERS if a in predicted_attrs and a != pos_attr and not by_feature(a, morph_mode)
    ]
    names = [ATTRIBUTES[a].spacy_name for a in (pos_attr, *refined_by)]
    rows = []
    for example in examples:
        doc = example.reference
        strings = doc.vocab.strings
        # The gold values as their heads' labels, as batch_gold_values reads them ("" where unset).
        values = doc.to_array(names).reshape(len(doc), len(names)).tolist()
        for token, ids in zip(doc, values):
            lemma = lemma_or_missing(token)
            if lemma and ids[0]:
                rows.append((token.text, *(strings[i] for i in ids), lemma))
    entries = lexicon_entries(row[:2] + row[-1:] for row in rows)
    lexicon = {"pos_attr": pos_attr, "entries": entries}
    if refined_by:
        lexicon["refined_by"] = refined_by
        lexicon["refined"] = refined_lexicon_entries((row for row in rows if all(row[2:-1])), entries)
    return lexicon
