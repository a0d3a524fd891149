"""The CLI's input reader, CoNLL-U writer and atomic outputs (no Dask needed)."""
import gzip
import re

import pytest
import spacy
from spacy.language import Language
from typer.testing import CliRunner

from spacy_lstm_tagger.cli import app
from spacy_lstm_tagger.cli.files import atomic_write
from spacy_lstm_tagger.cli.inputs import InputError, input_kind, read_input
from spacy_lstm_tagger.cli.tag_conllu import tag_file

from conftest import CORPUS, conllu_head

WORD = "\t_\t_\t_\t_\t_\t_\t_\t_"  # the 8 columns after FORM


def row(id_, form, feats="_", misc="_"):
    return "\t".join([str(id_), form, "_", "GOLD", "GOLDX", feats, "_", "_", "_", misc])


SAMPLE = "\n".join(
    [
        "# newdoc id = d1",
        "# sent_id = s1",
        row(1, "The", "Definite=Def"),
        row(2, "dog", "Number=Sing"),
        row(3, "ate", "Mood=Ind"),
        "",
        "# sent_id = s2",
        row("1-2", "Don't"),
        row(1, "Do"),
        row(2, "n't"),
        row(3, "eat"),
        row("3.1", "it"),
        "",
    ]
) + "\n"


@pytest.fixture(scope="module")
def nlp(pipeline_dir):
    return spacy.load(pipeline_dir)


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def plain(output):
    """The output without colours, and wasabi's line wrapping undone."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", output).split())


# Item 4: tag-conllu keeps what it should ----------------------------------------


def test_malformed_input_leaves_an_existing_output_as_it_was(pipeline_dir, tmp_path):
    out = tmp_path / "tagged.conllu"
    out.write_text("the previous run's output\n", encoding="utf8")
    bad = tmp_path / "bad.conllu"
    bad.write_text(SAMPLE + "1\tonly\tthree\n\n", encoding="utf8")
    result = run("tag-conllu", pipeline_dir, bad, out)
    assert result.exit_code == 1
    assert f"{bad}: line 14: expected 10 tab-separated columns, found 3" in plain(result.output)
    assert out.read_text(encoding="utf8") == "the previous run's output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.conllu", "tagged.conllu"]  # no temp file left


@pytest.mark.parametrize("content", ["", "\n\n", "# newdoc id = a\n# only comments\n\n"])
def test_empty_conllu_input_is_an_error_and_writes_nothing(pipeline_dir, tmp_path, content):
    empty = tmp_path / "empty.conllu"
    empty.write_text(content, encoding="utf8")
    out = tmp_path / "out.conllu"
    result = run("tag-conllu", pipeline_dir, empty, out)
    assert result.exit_code == 1
    assert f"{empty}: the input is empty: no CoNLL-U sentences to tag" in plain(result.output)
    assert "unpack" not in plain(result.output)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.conllu"]


@pytest.mark.parametrize("name", ["bad.conllu", "bad.txt", "bad.conllu.gz"])
def test_decoding_error_names_the_file_and_line(pipeline_dir, tmp_path, name):
    data = SAMPLE.encode("utf8").replace(b"dog", b"d\xf6g")  # latin-1, line 4
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    result = run("tag-conllu", pipeline_dir, path, tmp_path / "out.conllu")
    assert result.exit_code == 1
    assert f"{path}: line 4: not UTF-8" in plain(result.output)
    assert not (tmp_path / "out.conllu").exists()


def test_errors_go_to_stderr_when_the_output_is_stdout(pipeline_dir, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf8")
    result = CliRunner().invoke(app, ["tag-conllu", str(pipeline_dir), str(empty), "-"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{empty}: the input is empty: no text to tag" in plain(result.stderr)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    with atomic_write(path) as f:
        f.write("new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# Reading -------------------------------------------------------------------------------


def test_one_set_of_suffixes():
    assert input_kind("a.conll") == input_kind("a.conllu.gz") == input_kind("a.conll.gz") == "conllu"
    assert input_kind("a.jsonl.gz") == "jsonl"
    assert input_kind("a.txt") == input_kind("notes") == "txt"
    assert input_kind("a.conllu", "text") == "txt"
    with pytest.raises(ValueError, match="input format"):
        input_kind("a.txt", "csv")


def test_conllu_words_spaces_and_docs(tmp_path):
    path = tmp_path / "s.conll"
    path.write_text(SAMPLE.replace("\n", "\r\n"), encoding="utf8")
    source = read_input(path)
    assert source.kind == "conllu" and source.name == "s"
    sents = source.conllu.sentences
    assert [s.words for s in sents] == [["The", "dog", "ate"], ["Do", "n't", "eat"]]
    assert [s.spaces for s in sents] == [[True, True, True], [False, True, True]]
    assert source.conllu.groups == [[0, 1]]
    assert read_input(path, n_sents=1).conllu.groups == [[0], [1]]


@pytest.mark.parametrize(
    "lines, line, why",
    [
        ([row(1, "a"), row(3, "b")], 2, "token id '3' where 2 was expected"),
        ([row("1-3", "ab"), row(1, "a"), row(2, "b")], 3, "the file ends inside a multiword token"),
        ([row("1-3", "ab"), row(1, "a"), row(2, "b"), "", row(1, "c")], 4, "the sentence ends inside the multiword"),
        ([row(1, "a"), row("1-2", "ab")], 2, "bad multiword token range"),
        ([row(1, "")], 1, "empty FORM"),
    ],
)
def test_conllu_errors_name_the_line(tmp_path, lines, line, why):
    path = tmp_path / "x.conllu"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    with pytest.raises(InputError, match=f"^{path}: line {line}: .*{why}"):
        read_input(path)


def test_text_input_whitespace_and_paragraphs(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("  a\tb  c \n\n\nd\ne\n", encoding="utf8")
    assert read_input(path).texts == ["a b c", "d", "e"]
    assert read_input(path, paragraphs=True).texts == ["a b c", "d e"]
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"text": " x\\n y "}\n\n{"text": 3}\n', encoding="utf8")
    with pytest.raises(InputError, match=f'^{jsonl}: line 3: expected an object with a "text" string'):
        read_input(jsonl)


# Writing --------------------------------------------------------------------------------


@Language.component("test_set_morph", assigns=["token.morph"])
def set_morph(doc):
    for token in doc:
        token.set_morph(f"Len={len(token.text)}")
    return doc


@Language.component("test_set_morph_undeclared")
def set_morph_undeclared(doc):
    return set_morph(doc)


def columns(text):
    return [line.split("\t") for line in text.split("\n") if line and not line.startswith("#")]


def test_feats_pass_through_unless_a_component_assigns_morph(pipeline_dir, tmp_path):
    path = tmp_path / "in.conllu"
    path.write_text(SAMPLE, encoding="utf8")
    for pipe, replaced in [(None, False), ("test_set_morph_undeclared", False), ("test_set_morph", True)]:
        nlp = spacy.load(pipeline_dir)
        if pipe:
            nlp.add_pipe(pipe)
        out = tmp_path / f"{pipe}.conllu"
        tag_file(None, path, out, nlp=nlp, progress=False)
        got, given = columns(out.read_text(encoding="utf8")), columns(SAMPLE)
        assert len(got) == len(given) == 8
        for new, old in zip(got, given):
            if not old[0].isdigit():  # multiword range, empty node: unchanged
                assert new == old
                continue
            assert new[3] == "_"  # UPOS: not predicted by a tag-predicting lstm_tagger
            assert new[4] not in ("GOLDX", "_")  # XPOS predicted
            assert new[5] == (f"Len={len(old[1])}" if replaced else old[5]), pipe
            assert new[:3] + new[6:] == old[:3] + old[6:]


def test_tag_conllu_on_conll_keeps_every_line(pipeline_dir, tmp_path):
    source = conllu_head(CORPUS / "en_ewt-ud-dev.conllu", 12) + "# a comment after the last sentence\n"
    path = tmp_path / "dev.conll"  # .conll is CoNLL-U too
    path.write_text(source, encoding="utf8")
    out = tmp_path / "out.conllu"
    result = run("tag-conllu", pipeline_dir, path, out, "-n", 0)
    assert result.exit_code == 0, result.output
    out_lines, in_lines = out.read_text(encoding="utf8").split("\n"), source.split("\n")
    assert len(out_lines) == len(in_lines)
    assert [line for line in out_lines if not line[:1].isdigit()] == [
        line for line in in_lines if not line[:1].isdigit()
    ]


@Language.component("test_merge_first_two")
def merge_first_two(doc):
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[0:2])
    return doc


def test_a_pipeline_that_retokenizes_is_an_error_and_writes_nothing(pipeline_dir, tmp_path):
    path = tmp_path / "in.conllu"
    path.write_text(SAMPLE, encoding="utf8")
    nlp = spacy.load(pipeline_dir)
    nlp.add_pipe("test_merge_first_two")
    out = tmp_path / "out.conllu"
    with pytest.raises(ValueError, match="changed the tokenization: 5 tokens for 6 words .*line 3"):
        tag_file(None, path, out, nlp=nlp, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.conllu"]
