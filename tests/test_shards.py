"""tag-shards on a real Dask LocalCluster with two worker processes.

One cluster is shared by the module (starting one costs seconds); one test
also starts the default local cluster that tag_shards manages itself.
"""
import gzip
import json
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import spacy  # noqa: E402
import typer  # noqa: E402
from spacy.tokens import Doc, DocBin  # noqa: E402
from spacy.training.converters import conllu_to_docs  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from spacy_lstm_tagger.cli import app  # noqa: E402
from spacy_lstm_tagger.cli.inputs import InputError, read_conllu  # noqa: E402
from spacy_lstm_tagger.cli.shard_files import find_shards  # noqa: E402
from spacy_lstm_tagger.cli.shards import tag_shards  # noqa: E402

from conftest import CORPUS, conllu_head  # noqa: E402

BATCH = 8  # several nlp.pipe batches per shard
OLD = 1_000_000_000  # an mtime (2001) no write can produce


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def nlp(pipeline_dir):
    """The saved pipeline, loaded in this process: the single-process reference."""
    return spacy.load(pipeline_dir)


def ewt_texts(n, skip=0):
    texts = [
        line[len("# text = "):]
        for line in (CORPUS / "en_ewt-ud-dev.conllu").read_text(encoding="utf8").split("\n")
        if line.startswith("# text = ")
    ]
    return texts[skip : skip + n]


def write_txt(path, texts):
    # Blank lines are not documents.
    path.write_text("\n".join(texts[:3]) + "\n\n  \n" + "\n".join(texts[3:]) + "\n", encoding="utf8")


def write_jsonl(path, texts):
    lines = [json.dumps({"id": i, "text": t, "meta": {"n": i}}) for i, t in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf8")


def tagged(docs):
    return [[(t.text, t.tag_) for t in doc] for doc in docs]


def read_docbin(path, vocab):
    return list(DocBin().from_disk(path).get_docs(vocab))


def conllu_tokens(text):
    """(FORM, XPOS) per sentence of a CoNLL-U text."""
    sents = []
    for block in text.strip().split("\n\n"):
        rows = [line.split("\t") for line in block.split("\n") if line and not line.startswith("#")]
        sents.append([(r[1], r[4]) for r in rows if r[0].isdigit()])
    return sents


def sentences(docs):
    out = []
    for doc in docs:
        if doc.has_annotation("SENT_START"):
            out.extend([(t.text, t.tag_) for t in sent] for sent in doc.sents)
        elif len(doc):
            out.append([(t.text, t.tag_) for t in doc])
    return out


def temp_files(directory):
    return sorted(p.name for p in Path(directory).iterdir() if p.name.endswith(".tmp"))


def run_cli(args):
    """The tag-shards command as registered on the package's typer app (a
    group once the app has several commands; typer collapses a lone command)."""
    assert any(c.name == "tag-shards" for c in app.registered_commands)
    command = typer.main.get_command(app)
    prefix = ["tag-shards"] if hasattr(command, "commands") else []
    return CliRunner().invoke(app, prefix + [str(a) for a in args])


def test_output_equals_single_process_pipe(client, pipeline_dir, nlp, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    txt, jsonl = ewt_texts(20), ewt_texts(20, skip=20)
    write_txt(src / "a.txt", txt)
    write_jsonl(src / "b.jsonl", jsonl)
    conllu_text = conllu_head(CORPUS / "en_ewt-ud-dev.conllu", 35)  # has multiword tokens
    (src / "c.conllu").write_text(conllu_text, encoding="utf8")
    (src / "README.md").write_text("not a shard")  # ignored in a directory
    out = tmp_path / "out"

    result = tag_shards(
        pipeline_dir, src, out, scheduler=client, formats="spacy,conllu", batch_size=BATCH, log=None
    )
    assert result.ok and sorted(map(os.path.basename, result.done)) == ["a.txt", "b.jsonl", "c.conllu"]
    assert sorted(p.name for p in out.iterdir()) == [
        "a.conllu", "a.spacy", "b.conllu", "b.spacy", "c.conllu", "c.spacy"
    ]
    # The reference for pre-tokenized input: spaCy's own CoNLL-U converter
    # (10 sentences a doc) on each `# newdoc` document, words and sentences
    # only, gold tags dropped.
    blocks = conllu_text.strip().split("\n\n")
    starts = [i for i, block in enumerate(blocks) if "# newdoc" in block] + [len(blocks)]
    assert starts[0] == 0 and len(starts) == 7
    gold_docs = [
        doc
        for a, b in zip(starts, starts[1:])
        for doc in conllu_to_docs("\n\n".join(blocks[a:b]), n_sents=10, no_print=True)
    ]
    conllu_inputs = [
        Doc(
            nlp.vocab,
            words=[t.text for t in d],
            spaces=[bool(t.whitespace_) for t in d],
            sent_starts=[bool(t.is_sent_start) for t in d],
        )
        for d in gold_docs
    ]
    expected = {
        "a": list(nlp.pipe(txt, batch_size=BATCH)),
        "b": list(nlp.pipe(jsonl, batch_size=BATCH)),
        "c": list(nlp.pipe(conllu_inputs, batch_size=BATCH)),
    }
    assert len(expected["a"]) == 20 and len(expected["c"]) == 6
    for name, docs in expected.items():
        assert tagged(read_docbin(out / f"{name}.spacy", nlp.vocab)) == tagged(docs), name
        assert conllu_tokens((out / f"{name}.conllu").read_text(encoding="utf8")) == sentences(docs), name
    # Sentences kept, and the model's tags, not the gold ones the input carried.
    got = read_docbin(out / "c.spacy", nlp.vocab)
    assert [len(list(d.sents)) for d in got] == [len(list(d.sents)) for d in gold_docs]
    assert [t.text for d in got for t in d] == [t.text for d in gold_docs for t in d]
    assert {t.tag_ for d in got for t in d} <= set(nlp.get_pipe("lstm_tagger").labels)
    assert [t.tag_ for d in got for t in d] != [t.tag_ for d in gold_docs for t in d]
    assert all(not t.pos_ for d in got for t in d)

    import torch

    assert set(client.run(torch.get_num_threads).values()) == {1}


def test_interrupted_run_resumes(client, pipeline_dir, nlp, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shard_texts = {f"part{i}": ewt_texts(12, skip=12 * i) for i in range(4)}
    for name, texts in shard_texts.items():
        write_txt(src / f"{name}.txt", texts)
    out = tmp_path / "out"
    kwargs = dict(scheduler=client, formats=("spacy", "conllu"), batch_size=BATCH, log=None)

    # A run that got through two shards only.
    first = tag_shards(pipeline_dir, [src / "part0.txt", src / "part1.txt"], out, **kwargs)
    assert len(first.done) == 2
    for path in out.iterdir():
        os.utime(path, (OLD, OLD))
    # ... and then lost part1's CoNLL-U, and left temp files of a killed write.
    (out / "part1.conllu").unlink()
    (out / ".part1.conllu.0123abcd.tmp").write_text("half a shard")
    (out / ".part2.spacy.4567cdef.tmp").write_bytes(b"\x00")
    (out / ".part0.spacy.89ab.tmp").write_bytes(b"\x00")  # of a shard that is complete
    (out / ".notes.tmp").write_text("not ours")

    second = tag_shards(pipeline_dir, str(src / "*.txt"), out, **kwargs)
    assert second.ok
    assert [os.path.basename(p) for p in second.skipped] == ["part0.txt"]
    assert sorted(map(os.path.basename, second.done)) == ["part1.txt", "part2.txt", "part3.txt"]
    # Complete outputs of the first run were not rewritten.
    for name in ("part0.spacy", "part0.conllu", "part1.spacy"):
        assert (out / name).stat().st_mtime == OLD, name
    assert (out / "part1.conllu").stat().st_mtime != OLD
    assert temp_files(out) == [".notes.tmp"]
    for name, texts in shard_texts.items():
        expected = list(nlp.pipe(texts, batch_size=BATCH))
        assert tagged(read_docbin(out / f"{name}.spacy", nlp.vocab)) == tagged(expected), name
        assert conllu_tokens((out / f"{name}.conllu").read_text(encoding="utf8")) == sentences(expected)

    # The same result as one uninterrupted run.
    fresh = tmp_path / "fresh"
    tag_shards(pipeline_dir, src, fresh, **kwargs)
    for name in shard_texts:
        assert (out / f"{name}.conllu").read_text() == (fresh / f"{name}.conllu").read_text()
        assert tagged(read_docbin(out / f"{name}.spacy", nlp.vocab)) == tagged(
            read_docbin(fresh / f"{name}.spacy", nlp.vocab)
        )

    third = tag_shards(pipeline_dir, src, out, **kwargs)
    assert third.done == [] and len(third.skipped) == 4


def test_corrupt_shards_are_reported_and_the_rest_complete(client, pipeline_dir, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_txt(src / "good.txt", ewt_texts(10))
    write_jsonl(src / "good2.jsonl", ewt_texts(10, skip=10))
    (src / "bad_bytes.txt").write_bytes("fine line\n".encode() + b"caf\xe9 \xff\xfe\n")
    (src / "bad_json.jsonl").write_text('{"text": "ok"}\n{"text": "no end\n', encoding="utf8")
    (src / "no_text.jsonl").write_text('{"text": "ok"}\n["a list"]\n', encoding="utf8")
    with gzip.open(src / "good3.txt.gz", "wt", encoding="utf8") as f:
        f.write("\n".join(ewt_texts(5, skip=20)) + "\n")
    (src / "truncated.conllu.gz").write_bytes(gzip.compress(b"1\ta" + b"\t_" * 8 + b"\n" * 50)[:-12])
    good_conllu = conllu_head(CORPUS / "en_ewt-ud-dev.conllu", 3)
    (src / "bad.conllu").write_text(good_conllu + "1\tonly\tthree\n\n", encoding="utf8")
    (src / "empty.txt").write_text(" \n\n", encoding="utf8")
    out = tmp_path / "out"

    res = run_cli([pipeline_dir, src, "-o", out, "--scheduler", client.scheduler.address, "-f", "spacy", "-f", "conllu"])
    assert res.exit_code == 1, res.output
    for name, why in [
        ("bad_bytes.txt", "line 2: not UTF-8"),
        ("bad_json.jsonl", "line 2: not JSON"),
        ("no_text.jsonl", 'line 2: expected an object with a "text" string'),
        ("bad.conllu", f"line {len(good_conllu.split(chr(10)))}: expected 10 tab-separated columns, found 3"),
        ("empty.txt", "the input is empty"),
        ("truncated.conllu.gz", "cannot read"),
    ]:
        assert f"FAILED {src / name}: " in res.output and why in res.output, (name, res.output)
    assert "3 shards tagged, 0 skipped, 6 failed, of 9" in res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "good.conllu", "good.spacy", "good2.conllu", "good2.spacy", "good3.conllu", "good3.spacy"
    ]
    assert len(DocBin().from_disk(out / "good3.spacy")) == 5
    assert len(DocBin().from_disk(out / "good.spacy")) == 10

    # A rerun retries only the failed shards.
    result = tag_shards(pipeline_dir, src, out, scheduler=client.scheduler.address, formats=["spacy", "conllu"], log=None)
    assert len(result.skipped) == 3 and len(result.failed) == 6 and not result.done


def test_default_local_cluster(pipeline_dir, nlp, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    texts = ewt_texts(6)
    write_txt(src / "only.txt", texts)
    result = tag_shards(pipeline_dir, src / "only.txt", tmp_path / "out", n_workers=1, batch_size=BATCH)
    assert result.ok and result.n_docs == 6 and result.n_tokens == sum(len(d) for d in nlp.pipe(texts))
    assert tagged(read_docbin(tmp_path / "out" / "only.spacy", nlp.vocab)) == tagged(
        nlp.pipe(texts, batch_size=BATCH)
    )
    err = capsys.readouterr().err
    assert "[1/1] only.txt: 6 docs" in err and "tokens/s" in err


def words(conllu_input):
    return [(s.words, s.spaces) for s in conllu_input.sentences]


def test_read_conllu_rejects_malformed_input():
    ok = "# text = a b\n1\ta\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n2\tb\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
    assert words(read_conllu("ok.conllu", ok)) == [(["a", "b"], [False, True])]
    mwt = "1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_\n1\ta\t" + "_\t" * 7 + "_\n2\tb\t" + "_\t" * 7 + "_\n"
    assert words(read_conllu("mwt.conllu", mwt)) == [(["a", "b"], [False, True])]
    for bad in [
        "1\ta\t_\n",  # too few columns
        "2\ta\t" + "_\t" * 7 + "_\n",  # ids not from 1
        "1\ta\t" + "_\t" * 7 + "_\n1\tb\t" + "_\t" * 7 + "_\n",  # repeated id
        "x\ta\t" + "_\t" * 7 + "_\n",
    ]:
        with pytest.raises(InputError, match="^bad.conllu: line "):
            read_conllu("bad.conllu", bad)


def test_find_shards(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.jsonl").write_text("{}")
    with pytest.raises(ValueError, match="same outputs"):
        find_shards(tmp_path)
    with pytest.raises(ValueError, match="no shards match"):
        find_shards(tmp_path / "*.conllu")
    assert [s.kind for s in find_shards([tmp_path / "a.txt", str(tmp_path / "a.t*")])] == ["txt"]


def test_tag_conllu_and_tag_shards_write_the_same_bytes(client, pipeline_dir, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    # newdoc comments, multiword tokens, a sentence count that is not a multiple of n_sents.
    conllu_text = conllu_head(CORPUS / "en_ewt-ud-dev.conllu", 23)
    (src / "c.conll").write_text(conllu_text, encoding="utf8")
    write_txt(src / "t.txt", [t.replace(" ", "  ", 1) for t in ewt_texts(7)])
    out = tmp_path / "out"
    for n_sents in (3, 0):
        shards_out = out / f"n{n_sents}"
        tag_shards(pipeline_dir, src, shards_out, scheduler=client, formats="conllu", batch_size=BATCH,
                   n_sents=n_sents, log=None)
        for name in ("c.conll", "t.txt"):
            single = tmp_path / f"{name}.{n_sents}.conllu"
            result = CliRunner().invoke(app, ["tag-conllu", str(pipeline_dir), str(src / name), str(single),
                                              "-n", str(n_sents), "-b", str(BATCH)])
            assert result.exit_code == 0, result.output
            stem = name.split(".")[0]
            assert (shards_out / f"{stem}.conllu").read_bytes() == single.read_bytes(), (name, n_sents)
    # CoNLL-U in: every input line is there, in order.
    assert len((out / "n0" / "c.conllu").read_text(encoding="utf8").split("\n")) == len(conllu_text.split("\n"))


def test_setup_errors_exit_1_with_spacys_message(pipeline_dir, tmp_path):
    (tmp_path / "a.txt").write_text("text\n")
    def plain(output):  # no colours, wasabi's line wrapping undone
        return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", output).split())

    res = run_cli([tmp_path / "no-pipeline", tmp_path / "a.txt", "-o", tmp_path / "out"])
    assert res.exit_code == 1
    assert "✘" in res.output and "not a spaCy pipeline directory (no config.cfg)" in plain(res.output)
    res = run_cli([pipeline_dir, tmp_path / "a.txt", "-o", tmp_path / "out", "-f", "csv"])
    assert res.exit_code == 1 and "unknown output format 'csv'" in plain(res.output)
