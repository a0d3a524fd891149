"""The report and tag-conllu commands, spacy apply, and the CoNLL-U writer."""
import ast
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.cli.convert import convert as spacy_convert
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.training.converters import conllu_to_docs
from typer.testing import CliRunner

from spacy_lstm_tagger.cli import app
from spacy_lstm_tagger.cli.conllu_write import doc_to_conllu, docs_to_conllu
from spacy_lstm_tagger.cli.inputs import read_conllu
from spacy_lstm_tagger.cli.report import evaluate_report
from spacy_lstm_tagger.cli.report_attrs import UNTAGGED
from spacy_lstm_tagger.cli.report_metrics import compute_report

from conftest import CORPUS, SENTENCES, conllu_head

# Sentences the pipeline has not seen, so that the report has errors to show.
UNSEEN = [
    ("The cat ate the book".split(), ["DT", "NN", "VBD", "DT", "NN"]),
    ("Everybody likes green apples".split(), ["NN", "VBZ", "JJ", "NNS"]),
    ("She read the old book today".split(), ["PRP", "VBD", "DT", "JJ", "NN", "NN"]),
]

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def loaded_nlp(pipeline_dir):
    return spacy.load(pipeline_dir)


@pytest.fixture(scope="module")
def gold_corpus(loaded_nlp, tmp_path_factory):
    """A .spacy file of gold docs with tags and pos; one token has no tag."""
    docs = []
    for words, tags in SENTENCES + UNSEEN:
        docs.append(Doc(loaded_nlp.vocab, words=words, tags=tags, pos=["NOUN"] * len(words)))
    docs.append(Doc(loaded_nlp.vocab, words=["Dogs", "eat", "apples"], tags=["NNS", "", "NNS"]))
    path = tmp_path_factory.mktemp("corpus") / "gold.spacy"
    DocBin(docs=docs).to_disk(path)
    return path


def predict(nlp, words_list, sent_starts=None):
    """nlp.pipe over docs made from the words alone."""
    docs = [
        Doc(nlp.vocab, words=words, sent_starts=None if sent_starts is None else sent_starts[i])
        for i, words in enumerate(words_list)
    ]
    return list(nlp.pipe(docs))


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# report -----------------------------------------------------------------------


def test_commands_are_registered_without_an_import_cycle():
    """cli/__init__.py imports the command modules, which take `app` from
    _app.py, never from the package; importing the CLI loads neither dask
    nor matplotlib, and --help lists the commands in their order."""
    import spacy_lstm_tagger.cli as cli

    for path in Path(cli.__file__).parent.glob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None:
                raise AssertionError(f"{path.name} imports from the cli package itself: {ast.unparse(node)}")
    code = (
        "import sys, spacy_lstm_tagger.cli as cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'matplotlib')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    result = subprocess.run(
        [sys.executable, "-m", "spacy_lstm_tagger.cli", "--help"], capture_output=True, text=True, check=True
    )
    listed = [word for word in result.stdout.split() if word in ("report", "tag-shards", "tag-conllu")]
    assert listed == ["tag-shards", "report", "tag-conllu"]


def test_compute_report_counts_and_order():
    pairs = [("NN", "NN")] * 5 + [("NN", "JJ")] * 3 + [("JJ", "NN")] + [("VB", "VB")] * 4 + [("DT", "DT")] * 2
    report = compute_report(pairs, top_n=2)
    assert report["n_tokens"] == 15
    assert report["accuracy"] == pytest.approx(11 / 15)
    nn = report["per_label"]["NN"]
    assert nn["precision"] == pytest.approx(5 / 6)
    assert nn["recall"] == pytest.approx(5 / 8)
    assert nn["f1"] == pytest.approx(2 * (5 / 6) * (5 / 8) / (5 / 6 + 5 / 8))
    assert nn["support"] == 8
    assert report["per_label"]["JJ"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 3}
    matrix = report["confusion_matrix"]
    # NN and JJ take part in all 4 errors, then by support: VB before DT.
    assert matrix["labels"] == ["NN", "JJ", "VB", "DT"]
    assert matrix["matrix"][0] == [5, 3, 0, 0]
    assert matrix["matrix"][1] == [1, 0, 0, 0]
    assert sum(map(sum, matrix["matrix"])) == 15
    assert [(p["gold"], p["predicted"], p["count"]) for p in report["most_confused"]] == [
        ("NN", "JJ", 3),
        ("JJ", "NN", 1),
    ]
    assert report["most_confused"][0]["share_of_errors"] == pytest.approx(0.75)
    assert compute_report(pairs, max_labels=2)["confusion_matrix"]["complete"] is False


def test_report_matches_independent_count_and_nlp_evaluate(pipeline_dir, loaded_nlp, gold_corpus, tmp_path):
    out = tmp_path / "report"
    returned = evaluate_report(pipeline_dir, gold_corpus, out, plot=False, progress=False)
    report = srsly.read_json(out / "report.json")
    assert report == srsly.json_loads(srsly.json_dumps(returned))
    assert report["attr"] == "tag" and report["component"] == "lstm_tagger"
    assert report["tokenization"] == "gold"

    gold_docs = list(DocBin().from_disk(gold_corpus).get_docs(loaded_nlp.vocab))
    predicted = predict(loaded_nlp, [[t.text for t in doc] for doc in gold_docs])
    pairs = [
        (g.tag_, p.tag_) for gold, pred in zip(gold_docs, predicted) for g, p in zip(gold, pred) if g.tag_
    ]
    n_correct = sum(g == p for g, p in pairs)
    assert report["n_tokens"] == len(pairs) == sum(len(doc) for doc in gold_docs) - 1
    assert report["n_unannotated_tokens"] == 1
    assert report["n_correct"] == n_correct
    assert 0 < report["n_errors"] == len(pairs) - n_correct
    assert report["accuracy"] == report["tag_acc"] == pytest.approx(n_correct / len(pairs))

    examples = [Example(Doc(loaded_nlp.vocab, words=[t.text for t in doc]), doc) for doc in gold_docs]
    assert report["accuracy"] == pytest.approx(loaded_nlp.evaluate(examples)["tag_acc"])

    for label, scores in report["per_label"].items():
        tp = sum(g == p == label for g, p in pairs)
        assert scores["support"] == sum(g == label for g, _ in pairs)
        assert scores["predicted"] == sum(p == label for _, p in pairs)
        assert scores["precision"] == pytest.approx(tp / scores["predicted"] if scores["predicted"] else 0.0)
        assert scores["recall"] == pytest.approx(tp / scores["support"] if scores["support"] else 0.0)
    errors = {}
    for g, p in pairs:
        if g != p:
            errors[(g, p)] = errors.get((g, p), 0) + 1
    top = report["most_confused"]
    assert top[0]["count"] == max(errors.values())
    assert {(e["gold"], e["predicted"]): e["count"] for e in top} == errors
    labels = report["confusion_matrix"]["labels"]
    matrix = report["confusion_matrix"]["matrix"]
    assert sum(map(sum, matrix)) == len(pairs)
    assert matrix[labels.index(top[0]["gold"])][labels.index(top[0]["predicted"])] == top[0]["count"]
    errors_per_label = [report["label_errors"][label] for label in labels]
    assert errors_per_label == sorted(errors_per_label, reverse=True)


def test_report_command_writes_json_and_png(pipeline_dir, gold_corpus, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    result = invoke("report", pipeline_dir, gold_corpus, out, "--top-n", 3)
    report = srsly.read_json(out / "report.json")
    assert f"tag_acc {report['accuracy']:.4f}" in result.output
    assert len(report["most_confused"]) <= 3
    width, height = png_size(out / "confusion.png")
    assert 400 <= width <= 4000 and 400 <= height <= 4000
    from PIL import Image

    with Image.open(out / "confusion.png") as image:
        image.verify()


def test_report_other_attr_counts_untagged_as_errors(pipeline_dir, gold_corpus, tmp_path):
    report = evaluate_report(pipeline_dir, gold_corpus, tmp_path, attr="pos", plot=False, progress=False)
    # The pipeline predicts tags only; the corpus' pos are all NOUN.
    assert report["attr"] == "pos" and report["accuracy"] == 0.0
    assert report["most_confused"][0]["gold"] == "NOUN"
    assert report["most_confused"][0]["predicted"] == UNTAGGED
    with pytest.raises(ValueError, match="attr"):
        evaluate_report(pipeline_dir, gold_corpus, tmp_path, attr="dep", plot=False)


# tag-conllu -------------------------------------------------------------------


def read_back(conllu_path, tmp_path, n_sents):
    """The docs `spacy convert --converter conllu` makes of a CoNLL-U file."""
    out = tmp_path / f"converted-{conllu_path.stem}"
    out.mkdir()
    spacy_convert(conllu_path, out, file_type="spacy", converter="conllu", n_sents=n_sents)
    return list(DocBin().from_disk(out / f"{conllu_path.stem}.spacy").get_docs(spacy.blank("en").vocab))


def test_tag_conllu_on_text(pipeline_dir, loaded_nlp, tmp_path):
    lines = ["The dog ate the apple", "Everybody  read that book.", "", "She eats green eggs"]
    text_path = tmp_path / "input.txt"
    text_path.write_text("\n".join(lines) + "\n", encoding="utf8")
    out = tmp_path / "out.conllu"
    invoke("tag-conllu", pipeline_dir, text_path, out)
    texts = [" ".join(line.split()) for line in lines if line]
    expected = list(loaded_nlp.pipe(texts))
    output = out.read_text(encoding="utf8")
    blocks = output.strip().split("\n\n")
    assert len(blocks) == len(texts)  # one sentence per line: no sentence splitter
    for block, text in zip(blocks, texts):
        assert f"# text = {text}" in block.split("\n")
    # n_sents=1: one doc per block, so the docs line up with the lines.
    docs = read_back(out, tmp_path, n_sents=1)
    assert len(docs) == len(expected)
    for doc, want in zip(docs, expected):
        assert [t.text for t in doc] == [t.text for t in want]
        assert [t.tag_ for t in doc] == [t.tag_ for t in want]
        assert all(t.tag_ for t in doc)
        assert [t.pos_ for t in doc] == [""] * len(doc)  # not predicted: "_"
        assert doc.text.strip() == want.text


def test_tag_conllu_on_conllu_replaces_only_the_tag_columns(pipeline_dir, loaded_nlp, tmp_path):
    source = conllu_head(CORPUS / "en_ewt-ud-train.conllu", 30)
    assert "\n19-20\tdon't" in source  # a multiword token
    in_path = tmp_path / "gold.conllu"
    in_path.write_text(source, encoding="utf8")
    out = tmp_path / "tagged.conllu"
    invoke("tag-conllu", pipeline_dir, in_path, out, "--n-sents", 1)
    in_lines = source.rstrip("\n").split("\n")
    out_lines = out.read_text(encoding="utf8").rstrip("\n").split("\n")
    assert len(out_lines) == len(in_lines)
    for old, new in zip(in_lines, out_lines):
        if old.startswith("#") or not old or not old.split("\t")[0].isdigit():
            assert new == old  # comments, blank lines, multiword-token ranges
        else:
            old_cols, new_cols = old.split("\t"), new.split("\t")
            assert old_cols[:3] + old_cols[5:] == new_cols[:3] + new_cols[5:]
            assert new_cols[3] == "_"  # the gold UPOS does not survive
    # Read back as `spacy convert -n 10` would: words, spaces and sentences
    # as in the input, tags as nlp.pipe gives them for each sentence alone.
    gold = read_back(in_path, tmp_path, n_sents=10)
    tagged = read_back(out, tmp_path, n_sents=10)
    assert len(tagged) == len(gold) == 3
    gold_sents = [sent for doc in gold for sent in doc.sents]
    assert len(gold_sents) == 30
    expected = predict(
        loaded_nlp,
        [[t.text for t in sent] for sent in gold_sents],
        sent_starts=[[True] + [False] * (len(sent) - 1) for sent in gold_sents],
    )
    for doc, gold_doc in zip(tagged, gold):
        assert [t.text for t in doc] == [t.text for t in gold_doc]
        assert [t.whitespace_ for t in doc] == [t.whitespace_ for t in gold_doc]
        assert [s.start for s in doc.sents] == [s.start for s in gold_doc.sents]
    assert [t.tag_ for doc in tagged for t in doc] == [t.tag_ for doc in expected for t in doc]


def test_conllu_docs_are_grouped_by_n_sents_and_newdoc():
    sentence = "1\ta\t_\t_\t_\t_\t_\t_\t_\t_"
    text = (
        "\n\n".join(["# newdoc id = a\n" + sentence, sentence, sentence, "# newdoc id = b\n" + sentence, sentence])
        + "\n\n"
    )
    assert read_conllu("x.conllu", text, 2).groups == [[0, 1], [2], [3, 4]]
    assert read_conllu("x.conllu", text, 10).groups == [[0, 1, 2], [3, 4]]
    assert read_conllu("x.conllu", text, 0).groups == [[0, 1, 2], [3, 4]]
    assert read_conllu("x.conllu", text.replace("# newdoc", "# other"), 0).groups == [[0, 1, 2, 3, 4]]
    assert read_conllu("x.conllu", text, 1).groups == [[0], [1], [2], [3], [4]]


def test_spacy_apply_tags_text(pipeline_dir, loaded_nlp, tmp_path):
    from spacy.cli.apply import apply

    text_path = tmp_path / "input.txt"
    text_path.write_text("The dog ate the apple", encoding="utf8")
    apply(text_path, tmp_path / "out.spacy", str(pipeline_dir), "text", 1, 1)
    (doc,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(loaded_nlp.vocab)
    assert [t.tag_ for t in doc] == [t.tag_ for t in loaded_nlp("The dog ate the apple")]


# doc_to_conllu ----------------------------------------------------------------


def make_docs(vocab):
    words = ["Hello", ",", "world", ".", "It", "'s", "me", "!", "Bye", "."]
    spaces = [False, True, False, True, False, True, False, True, False, False]
    tags = ["UH", ",", "NN", ".", "PRP", "VBZ", "PRP", ".", "UH", "."]
    pos = ["INTJ", "PUNCT", "NOUN", "PUNCT", "PRON", "AUX", "PRON", "PUNCT", "INTJ", "PUNCT"]
    starts = [True, False, False, False, True, False, False, False, True, False]
    plain = Doc(vocab, words=words, spaces=spaces, tags=tags, pos=pos, sent_starts=starts)
    heads = [0, 0, 0, 0, 6, 6, 6, 6, 8, 8]
    deps = ["ROOT", "punct", "appos", "punct", "nsubj", "cop", "ROOT", "punct", "ROOT", "punct"]
    parsed = Doc(vocab, words=words, spaces=spaces, tags=tags, pos=pos, heads=heads, deps=deps)
    return plain, parsed


def test_doc_to_conllu_round_trip_through_spacy_convert(tmp_path):
    vocab = spacy.blank("en").vocab
    plain, parsed = make_docs(vocab)
    path = tmp_path / "docs.conllu"
    path.write_text("".join(docs_to_conllu([plain, parsed])), encoding="utf8")
    text = path.read_text(encoding="utf8")
    assert "# sent_id = doc1-1" in text and "# sent_id = doc2-3" in text
    assert "\troot\t" in text and "\tROOT\t" not in text
    sentences = [sent for doc in (plain, parsed) for sent in doc.sents]
    assert len(sentences) == 6
    # One CoNLL-U sentence per spaCy sentence, as spaCy's converter reads them.
    read_sentences = list(conllu_to_docs(text, n_sents=1, no_print=True))
    assert [[t.text for t in s] for s in read_sentences] == [[t.text for t in s] for s in sentences]
    # And `spacy convert` (3 sentences per doc) rebuilds both docs.
    docs = read_back(path, tmp_path, n_sents=3)
    assert len(docs) == 2
    for doc, original in zip(docs, (plain, parsed)):
        assert [t.text for t in doc] == [t.text for t in original]
        assert [t.tag_ for t in doc] == [t.tag_ for t in original]
        assert [t.pos_ for t in doc] == [t.pos_ for t in original]
        # SpaceAfter=No; the doc's last token has no next token to be spaced from.
        assert [t.whitespace_ for t in doc][:-1] == [t.whitespace_ for t in original][:-1]
    assert [s.start for s in docs[1].sents] == [s.start for s in parsed.sents]
    assert [(t.head.i, t.dep_) for t in docs[1]] == [(t.head.i, t.dep_) for t in parsed]


def test_doc_to_conllu_fields():
    vocab = spacy.blank("en").vocab
    doc = Doc(vocab, words=["a\tb", "c"], spaces=[True, False])
    lines = doc_to_conllu(doc).split("\n")
    assert lines[0] == "# text = a b c"
    assert lines[1].split("\t") == ["1", "a b", "_", "_", "_", "_", "_", "_", "_", "_"]
    assert len(lines[2].split("\t")) == 10
    assert doc_to_conllu(Doc(vocab, words=[])) == ""
