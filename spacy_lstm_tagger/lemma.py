"""The lemma head's classes: lemma rules, as UDPipe 2 frames the lemma.

A rule says how to get the lemma from the word form: strip so many
characters from the start and the end of the form (around the longest
common substring of form and lemma), add others in their place, and set the
case. "dogs" -> "dog" and "cats" -> "cat" share a rule (strip 1 at the end),
which is what lets one softmax over the rules seen in training generalize:
the LSTM reads the characters and picks how much to strip. A form and lemma
with nothing in common ("was" -> "be") get a whole-word rule.

Case comes first: a rule either keeps the form's own case ("K": "dogs" ->
"dog", "HANO" -> "HANO", "NiMo" -> "NiMo", "Ankara'da" -> "Ankara", "I" ->
"I"), or, where that does not give the lemma, edits the lowercased form and
then sets the lemma's casing as runs ("L0": all lowercase, "The" -> "the" and
"A" -> "a"; "U0 L1": capitalized, "kerala" -> "Kerala"; UDPipe 2's casing
script). UD's lemmas keep the case of proper nouns and lowercase the rest, so
a capitalized word is one decision, keep or lowercase. On EWT dev this scored
as well as writing the casing out for every rule (benchmarks/HISTORY.md,
"Lemmas"); it is kept for its fewer classes and because an unusual spelling
("NiMo") needs no class of its own.

Lengths rather than the stripped strings (which spaCy's edit trees match):
an agglutinative language has a long tail of suffix chains, and on
Uyghur-UDT the frequent rules cover more of dev's lemmas as lengths, with
fewer rules, than as strings.

Why not spaCy's edit trees at all: a tree lives in an EditTrees store and
points to its subtrees by id, so it cannot be a self-contained label string
in the component's cfg as every other head's labels are; and case is part of
a tree, so "The" -> "the" and "A" -> "a" are two classes.

A rule is a JSON list, readable in `labels`: [casing, characters to strip at
the start, prefix to add, characters to strip at the end, suffix to add], or
["K", lemma] for a whole-word rule ("L0"-style casings of the lowercased
lemma are read too). A rule applies to a form that keeps at least one
character after stripping; decoding takes the most probable rule that
applies (after the lexicon, below).

Pure Python: no spaCy, no torch.
"""
import json
from collections import Counter
from functools import lru_cache
from typing import AbstractSet, Dict, Iterable, List, Optional, Sequence, Tuple

# UD's "no lemma given" (CoNLL-U LEMMA "_"), unless the form itself is "_".
MISSING = "_"
# Rules seen fewer times than this in the training data get no class, as
# spaCy's trainable_lemmatizer's min_tree_freq (default 3): their tokens train
# nothing in the lemma head and fall back to the best rule that applies.
MIN_RULE_FREQ = 3
UPPER, LOWER = "U", "L"
# The casing that keeps the form's own case and adds the lemma's strings as they are.
KEEP = "K"
# The parts of a whole-word rule and of an edit rule (bool is no int here).
RULE_TYPES = {2: (str, str), 5: (str, int, str, int, str)}


def _casing(lemma: str) -> str:
    """The lemma's case as runs: "L0" all lowercase, "U0" all uppercase
    ("I"), "U0 L1" capitalized ("Ankara"); an offset in the second half of
    the word counts from its end ("L0 U-2"), so it fits longer and shorter
    forms alike (UDPipe 2's casing script)."""
    runs, previous = [], None
    for i, char in enumerate(lemma):
        case = UPPER if char.lower() != char else LOWER
        if case != previous:
            runs.append(f"{case}{i if i <= len(lemma) // 2 else i - len(lemma)}")
        previous = case
    return " ".join(runs) or f"{LOWER}0"


def _apply_casing(casing: str, lemma: str) -> str:
    for run in casing.split(" "):
        case, offset = run[0], int(run[1:])
        rest = lemma[offset:]
        lemma = lemma[:offset] + (rest.upper() if case == UPPER else rest.lower())
    return lemma


def _longest_common_substring(a: str, b: str) -> Tuple[int, int, int]:
    """(start in a, start in b, length) of the longest common substring, the
    first one found: a dynamic program over the two (short) words."""
    best = (0, 0, 0)
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best[2]:
                    best = (i - current[j], j - current[j], current[j])
        previous = current
    return best


@lru_cache(maxsize=200_000)
def lemma_rule(form: str, lemma: str) -> Optional[str]:
    """The rule that makes lemma from form, or None where none does (the
    rule is checked by applying it: a pair whose lowercasing changes its
    length, as "İ", has none) or the lemma is missing."""
    if not form or not lemma or (lemma == MISSING and form != MISSING):
        return None
    lower_form, lower_lemma = form.lower(), lemma.lower()
    start_form, start_lemma, length = _longest_common_substring(lower_form, lower_lemma)
    if length == 0:
        # Nothing in common: the lemma as it is, whatever the form's case.
        return _checked([KEEP, lemma], form, lemma)
    end_form, end_lemma = start_form + length, start_lemma + length
    strip_end = len(lower_form) - end_form
    # The form's own case where it is the lemma's ("dogs", "HANO", "iPhone",
    # "Ankara'da"), else the lemma's casing on the lowercased edit ("The").
    kept = _checked([KEEP, start_form, lemma[:start_lemma], strip_end, lemma[end_lemma:]], form, lemma)
    if kept is not None:
        return kept
    cased = [_casing(lemma), start_form, lower_lemma[:start_lemma], strip_end, lower_lemma[end_lemma:]]
    return _checked(cased, form, lemma)


def _checked(parts: list, form: str, lemma: str) -> Optional[str]:
    rule = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return rule if apply_rule(rule, form) == lemma else None


@lru_cache(maxsize=100_000)
def parse_rule(rule: str) -> Tuple[str, ...]:
    """The rule's parts; ValueError naming the rule if it is not one."""
    try:
        parts = json.loads(rule)
    except ValueError:
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) not in (2, 5)
        or not all(type(part) is type_ for part, type_ in zip(parts, RULE_TYPES[len(parts)]))
        or not all(part >= 0 for part in parts if isinstance(part, int))
        or not _is_casing(parts[0])
        or (len(parts) == 2 and not parts[1])
    ):
        raise ValueError(
            f"{rule!r} is not a lemma rule: a JSON list [casing, characters to strip at the start, "
            "prefix to add, characters to strip at the end, suffix to add] or [casing, lemma], "
            "casing as 'L0', 'U0 L1', ..."
        )
    return tuple(parts)


def _is_casing(casing: str) -> bool:
    if casing == KEEP:
        return True
    runs = casing.split(" ")
    for run in runs:
        if len(run) < 2 or run[0] not in (UPPER, LOWER):
            return False
        try:
            int(run[1:])
        except ValueError:
            return False
    return True


def apply_rule(rule: str, form: str) -> Optional[str]:
    """The lemma the rule makes from form, None if it does not apply
    (stripping would leave nothing of the form)."""
    parts = parse_rule(rule)
    if len(parts) == 2:
        return parts[1] if parts[0] == KEEP else _apply_casing(parts[0], parts[1])
    casing, strip_start, add_prefix, strip_end, add_suffix = parts
    if len(form) - strip_start - strip_end <= 0:
        return None
    if casing == KEEP:
        return add_prefix + form[strip_start:len(form) - strip_end] + add_suffix
    lower = form.lower()
    stem = lower[strip_start:len(lower) - strip_end]
    return _apply_casing(casing, add_prefix + stem + add_suffix)


def frequent_rules(counts: dict, min_freq: int = MIN_RULE_FREQ) -> List[str]:
    """The rules seen at least min_freq times, sorted: the lemma head's labels."""
    return sorted(rule for rule, count in counts.items() if count >= min_freq)


def best_lemmas(
    forms: Sequence[str], log_probs, rules: Sequence[str], known: Optional[Sequence[Optional[str]]] = None,
    backoff_k: int = 20, seen_lemmas: Optional[AbstractSet[str]] = None, seen_margin: float = 0.0,
    with_index: bool = True,
):
    """Each form's lemma and the index of the rule behind it. The lemma is
    the known one where `known` (the lexicon's lemma per form, or None) has
    it; else, with `seen_lemmas` (lowercased lemmas seen in training), the
    lemma of the most probable rule within seen_margin (natural log) of the
    best that makes a seen lemma, where the best rule's lemma is unseen; else
    the one the most probable rule that applies makes. The index is
    that of the most probable of the backoff_k best rules that make the lemma:
    None where none does (a lexicon lemma no rule makes, or no rule applies
    and the lemma is the form itself, the documented backoff).
    with_index=False: the indices are not wanted (no confidence to report),
    so a lexicon lemma is taken as it is, with no rule looked up (None).
    log_probs: (n_forms, n_rules) numpy array."""
    lemmas, chosen = [], []
    best = log_probs.argmax(axis=1).tolist() if len(forms) else []
    for i, form in enumerate(forms):
        target = known[i] if known is not None else None
        if target is not None and not with_index:
            lemmas.append(target)
            chosen.append(None)
            continue
        lemma = apply_rule(rules[best[i]], form)
        index = best[i]
        if lemma is None or (target is not None and lemma != target):  # rare: sort this token's rules only
            index, lemma = None, None
            for candidate in (-log_probs[i]).argsort()[:backoff_k].tolist():
                made = apply_rule(rules[candidate], form)
                if made is not None and (target is None or made == target):
                    index, lemma = candidate, made
                    break
        unseen = lemma is not None and seen_lemmas and lemma.lower() not in seen_lemmas
        if target is None and seen_margin > 0 and unseen:
            index, lemma = _seen_alternative(form, log_probs[i], rules, backoff_k, seen_lemmas, seen_margin, index, lemma)
        if lemma is None:
            lemma = target if target is not None else form
        lemmas.append(lemma)
        chosen.append(index)
    return lemmas, chosen


def _seen_alternative(form, log_probs, rules, backoff_k, seen_lemmas, margin, index, lemma):
    """A rule within margin of the best whose lemma was seen in training, in
    place of the best one's unseen lemma, or (index, lemma) as they were.
    Why: most wrong lemmas of unseen words strip a character too many or too
    few (`resolving -> resolv`, Uyghur suffixes), and the right length often
    makes a word the training data has. Only edit rules are candidates.
    Selected on EWT and Uyghur-UDT dev (benchmarks/HISTORY.md, "Lemmas seen
    in training")."""
    # The rules within the margin, most probable first (a handful of them:
    # cheaper than sorting every rule).
    close = (log_probs >= log_probs.max() - margin).nonzero()[0]
    for candidate in close[(-log_probs[close]).argsort(kind="stable")][:backoff_k].tolist():
        if len(parse_rule(rules[candidate])) == 2:
            # A whole-word rule (`was -> be`) makes a seen lemma whatever
            # the form: it says nothing about this form's ending.
            continue
        made = apply_rule(rules[candidate], form)
        if made is not None and made.lower() in seen_lemmas:
            return candidate, made
    return index, lemma


def lexicon_entries(triples: Iterable[Tuple[str, str, str]]) -> List[List[str]]:
    """The lemma lexicon from training tokens (form, POS, lemma): each (form,
    POS) seen with its most frequent lemma (ties: the first in sorted order),
    as [form, POS, lemma] rows sorted by form and POS.

    Decoding takes a seen (form, predicted POS)'s lemma from it before the
    rules, as Stanza's lemmatizer takes seen words from its dictionary: the
    rules generalize to unseen words, the lexicon remembers the seen ones.
    Keyed by the form alone it lost accuracy on EWT dev (benchmarks/HISTORY.md,
    "Lemmas"), so without a POS head there is no lexicon."""
    return [[*key, lemma] for key, lemma in _most_frequent(((f, p), lemma) for f, p, lemma in triples).items()]


def refined_lexicon_entries(rows: Iterable[Tuple[str, ...]], entries: Sequence[Sequence[str]]) -> List[List[str]]:
    """The lexicon's refinements from training tokens (form, POS, the
    refining attributes' values ..., lemma): each finer key seen with a most
    frequent lemma (ties as above) other than its (form, POS) entry's in
    `entries` (lexicon_entries), as [form, POS, values ..., lemma] rows
    sorted by key. Decoding looks the finer key up first: "her" PRON is
    "she" in EWT's lexicon, but "her" as PRP$ with Poss=Yes (EWT dev: +0.06
    to +0.08 LEMMA over three trained defaults, benchmarks/HISTORY.md,
    "Session of 2026-12-05, late"). Only the differing keys are stored: the
    others give the entry's lemma anyway."""
    coarse = {(form, pos): lemma for form, pos, lemma in entries}
    finest = _most_frequent((tuple(row[:-1]), row[-1]) for row in rows)
    return [[*key, lemma] for key, lemma in finest.items() if coarse.get(key[:2]) != lemma]


def _most_frequent(pairs: Iterable[Tuple[Tuple[str, ...], str]]) -> Dict[Tuple[str, ...], str]:
    """{key: its most frequent lemma (ties: the first in sorted order)}, sorted by key."""
    counts: Dict[Tuple[str, ...], Counter] = {}
    for key, lemma in pairs:
        counts.setdefault(key, Counter())[lemma] += 1
    return {key: min(lemmas, key=lambda lemma: (-lemmas[lemma], lemma)) for key, lemmas in sorted(counts.items())}
