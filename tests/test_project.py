"""project.yml: the spaCy project workflow (convert, train, evaluate, report),
with scripts/configure_training.py and scripts/check_training.py."""
import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import numpy
import pytest
import spacy
import srsly
from spacy import util
from spacy.tokens import Doc, DocBin
from weasel.util import load_project_config, split_command

from conftest import CORPUS, ROOT, TINY_MODEL, conllu_head

TRAIN_OPTIONS = {"max_steps": 10, "eval_frequency": 5, "n_sents": 5}


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


configure_training = load_script("configure_training")
check_training = load_script("check_training")


def copy_project(project_dir, project=None):
    """project.yml (or the given dict) and the scripts it calls, in project_dir."""
    if project is None:
        shutil.copy(ROOT / "project.yml", project_dir / "project.yml")
    else:
        srsly.write_yaml(project_dir / "project.yml", project)
    shutil.copytree(ROOT / "scripts", project_dir / "scripts", dirs_exist_ok=True)


def write_docbin(path, lengths):
    vocab = spacy.blank("en").vocab
    docs = [Doc(vocab, words=[f"w{i}" for i in range(n)], tags=["NN"] * n) for n in lengths]
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs).to_disk(path)


def run_script_line(line, cwd):
    """One `python ...` line of a project command, run in cwd."""
    args = split_command(line)
    assert args[0] == "python"
    subprocess.run([sys.executable, *args[1:]], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.mark.parametrize(
    "attr,attrs", [("tag", "tag"), ("pos", "pos"), ("tag_pos_morph_lemma", ["tag", "pos", "morph", "lemma"])]
)
def test_project_file_configures_attr_lang_score_weights(attr, attrs, tmp_path):
    # Loading a project creates its directories: load a copy.
    copy_project(tmp_path)
    # 60 updates (the shipped 5,000 would keep the project's eval_frequency of 200).
    overrides = {"vars.config": str(ROOT / "configs" / "default.cfg"), "vars.lang": "de", "vars.max_steps": 60}
    if attr != "tag_pos_morph_lemma":
        overrides["vars.attr"] = attr
    project = load_project_config(tmp_path, overrides=overrides)
    assert srsly.read_yaml(ROOT / "project.yml")["vars"]["attr"] == "tag_pos_morph_lemma"
    commands = {cmd["name"]: cmd for cmd in project["commands"]}
    names = {"convert-train", "convert-dev", "convert-test", "train", "evaluate", "report", "package"}
    assert set(commands) >= names
    assert project["workflows"]["all"][-4:] == ["train", "evaluate", "report", "package"]
    for name in project["workflows"]["convert"]:
        assert commands[name]["deps"][0].endswith(".conllu")
    for cmd in commands.values():
        assert all("," not in dep for dep in cmd.get("deps", []))
    assert f"metrics/{attr}.json" in commands["evaluate"]["outputs"]
    assert commands["package"]["outputs"] == [f"packages/de_lstm_tagger_{attr}-0.1.0"]

    configure, train, check = commands["train"]["script"]
    assert split_command(train) == [
        "python", "-m", "spacy", "train", f"training/{attr}/config.cfg",
        "--output", f"training/{attr}", "--gpu-id", "-1",
    ]
    assert split_command(check)[-1] == f"training/{attr}"
    # 300 docs of 20 words; 61 updates: evaluate every 6 to evaluate at least 10 times.
    write_docbin(tmp_path / "corpus" / "converted" / "train" / "train.spacy", [20] * 300)
    run_script_line(configure, tmp_path)
    config = util.load_config(tmp_path / "training" / attr / "config.cfg")
    assert config["components"]["lstm_tagger"]["attr"] == attrs
    assert config["nlp"]["lang"] == "de"
    assert config["paths"]["train"] == "corpus/converted/train"
    assert config["training"]["eval_frequency"] == 6
    weights = config["training"]["score_weights"]
    predicted = [attrs] if isinstance(attrs, str) else attrs
    for name in ("tag", "pos", "morph", "lemma"):
        expected = pytest.approx(1 / len(predicted), abs=1e-3) if name in predicted else 0.0
        assert weights[f"{name}_acc"] == expected
    logger = config["training"]["logger"]
    assert logger["logger2"]["output_file"] == f"training/{attr}/train-log.jsonl"


def test_eval_frequency_is_sized_to_the_corpus(tmp_path):
    write_docbin(tmp_path / "train.spacy", [10] * 50 + [30] * 50)  # 2000 words
    config = util.load_config(ROOT / "configs" / "default.cfg")
    config["paths"]["train"] = str(tmp_path / "train.spacy")
    config = config.interpolate()
    # An epoch schedule: 20 epochs of 2,000-word batches.
    config["training"]["batcher"]["size"] = 2000
    config["training"]["max_epochs"], config["training"]["max_steps"] = 20, 0
    # The default's reader adds each sentence again inside a paragraph (29 of 2-5 sentences).
    counts = configure_training.count_updates(config)
    assert counts["words"] == 4000 and counts["docs"] == 100 + 29
    sentences_only = copy.deepcopy(config)
    sentences_only["corpora"]["train"]["max_sentences"] = 1
    assert configure_training.count_updates(sentences_only)["words"] == 2000
    sentences_only["corpora"]["train"] = {"@readers": "spacy.Corpus.v1", "path": str(tmp_path / "train.spacy")}
    counts = configure_training.count_updates(sentences_only)
    assert counts["words"] == 2000 and counts["docs"] == 100
    assert counts["updates_per_epoch"] in (1, 2) and counts["updates"] == 20 * counts["updates_per_epoch"]
    config["training"]["max_steps"] = 7
    assert configure_training.count_updates(config)["updates"] == 8
    config["training"]["max_epochs"] = 0
    assert configure_training.count_updates(config)["updates"] == 8
    config["training"]["max_steps"] = 0
    assert configure_training.count_updates(config)["updates"] is None
    choose = configure_training.choose_eval_frequency
    # EWT: 2060 updates keep the project's 200; a small treebank evaluates 10 times.
    assert choose(2060, 200) == 200
    assert choose(200, 200) == 20
    assert choose(20, 200) == 2
    assert choose(5, 200) == 1
    assert choose(None, 200) == 200
    with pytest.raises(ValueError, match="tag_pos_morph"):
        configure_training.parse_attr("tag,pos")
    with pytest.raises(ValueError):
        configure_training.parse_attr("tag_tag")
    assert configure_training.parse_attr("pos_morph") == ["pos", "morph"]


def test_unknown_language_is_a_clear_error(tmp_path):
    write_docbin(tmp_path / "train.spacy", [20] * 10)
    overrides = {"paths.train": str(tmp_path / "train.spacy"), "nlp.lang": "ug"}
    with pytest.raises(ValueError, match="no language 'ug'.*--vars.lang xx"):
        configure_training.configure(ROOT / "configs" / "default.cfg", tmp_path / "config.cfg", "pos", overrides)


def test_explicit_eval_frequency_override_is_kept(tmp_path):
    write_docbin(tmp_path / "train.spacy", [20] * 300)
    info = configure_training.configure(
        ROOT / "configs" / "default.cfg",
        tmp_path / "config.cfg",
        "pos",
        {"paths.train": str(tmp_path / "train.spacy"), "training.eval_frequency": 1000},
    )
    # The config's max_steps, plus spaCy's evaluation at update 0.
    max_steps = util.load_config(ROOT / "configs" / "default.cfg")["training"]["max_steps"]
    assert info["eval_frequency"] == 1000 and info["updates"] == max_steps + 1
    assert util.load_config(tmp_path / "config.cfg")["training"]["eval_frequency"] == 1000


def model_settings(tmp_path, lengths, model_size, overrides=(), config="default.cfg"):
    """The lstm_tagger block that configure writes for a treebank of docs of these lengths."""
    write_docbin(tmp_path / "train" / "train.spacy", lengths)
    info = configure_training.configure(
        ROOT / "configs" / config,
        tmp_path / "config.cfg",
        "pos",
        {"paths.train": str(tmp_path / "train"), **dict(overrides)},
        model_size=model_size,
    )
    component = util.load_config(tmp_path / "config.cfg")["components"]["lstm_tagger"]
    return info, component


def flat(component):
    """{"model.char_heads": ..., "morph_mode": ...}: the block's settings by their paths."""
    return {
        **{f"model.{key}": value for key, value in component["model"].items()},
        **{key: value for key, value in component.items() if key != "model"},
    }


def test_model_size_auto_sets_the_small_treebank_setup_below_50k_treebank_words(tmp_path):
    default = flat(util.load_config(ROOT / "configs" / "default.cfg")["components"]["lstm_tagger"])
    small = configure_training.SMALL_TREEBANK_SETTINGS
    # configs/default.cfg has the char_heads the rule sets (since 2026-12-06); every other setting differs.
    assert [key for key, value in small.items() if default.get(key, "bundle") == value] == ["model.char_heads"]
    # 30,000 words: 60,000 with the default reader's paragraphs, still a small treebank.
    info, component = model_settings(tmp_path, [20] * 1500, "auto")
    assert info["treebank_words"] == 30_000 and info["words"] == 60_000
    assert info["small_treebank_settings"] == small
    written = flat(component)
    assert {key: written[key] for key in small} == small
    # Everything else is the config's (attr: what configure sets).
    others = {k: v for k, v in written.items() if k not in small and k != "attr"}
    assert others == {k: v for k, v in default.items() if k not in small and k != "attr"}
    # An override of a setting wins.
    info, component = model_settings(tmp_path, [20] * 1500, "auto", {"components.lstm_tagger.model.char_bilstm_width": 64})
    assert component["model"]["char_bilstm_width"] == 64 and component["model"]["char_encoder"] == "cnn"
    assert info["small_treebank_settings"] == {key: value for key, value in small.items() if key != "model.char_bilstm_width"}
    info, component = model_settings(tmp_path, [20] * 1500, "auto", {"components.lstm_tagger.model.char_heads": ["lemma"]})
    assert component["model"]["char_heads"] == ["lemma"] and component["model"]["char_bilstm_width"] == 128
    info, component = model_settings(tmp_path, [20] * 1500, "auto", {"components.lstm_tagger.feature_loss_weight": 0.5})
    assert component["feature_loss_weight"] == 0.5 and component["morph_mode"] == "bundle_and_features"
    # A morph_mode without the feature heads beside the bundle head takes the rule's weight out too.
    info, mode_only = model_settings(tmp_path, [20] * 1500, "auto", {"components.lstm_tagger.morph_mode": "bundle"})
    assert mode_only["morph_mode"] == "bundle" and mode_only["model"]["char_heads"] == ["morph", "lemma"]
    assert "feature_loss_weight" not in mode_only and "feature_loss_weight" not in info["small_treebank_settings"]
    info, component = model_settings(tmp_path, [20] * 1500, "auto", {"components.lstm_tagger.morph_mode": "bundle_and_features"})
    assert component["feature_loss_weight"] == 0.3
    # The settings it writes build (and the component and architecture check them).
    built = model_settings(tmp_path, [20] * 1500, "auto")[1]
    for block in (built, mode_only):
        settings = {key: block[key] for key in ("model", "morph_mode", "feature_loss_weight") if key in block}
        spacy.blank("en").add_pipe("lstm_tagger", config={**settings, "model": dict(block["model"])})
    # "config" keeps the config's settings, and so does auto from 50,000 words on.
    for lengths, model_size in (([20] * 1500, "config"), ([20] * 2500, "auto")):
        info, component = model_settings(tmp_path, lengths, model_size)
        assert info["small_treebank_settings"] == {}
        assert {k: v for k, v in flat(component).items() if k != "attr"} == {k: v for k, v in default.items() if k != "attr"}
    # A model without the character CNN keeps its own character design, and its FEATS head.
    for overrides in ({"components.lstm_tagger.model.char_encoder": "bilstm"}, {"components.lstm_tagger.model.char_rows": 0}):
        info, component = model_settings(tmp_path, [20] * 1500, "auto", overrides)
        assert info["small_treebank_settings"] == {} and component["model"]["char_bilstm_width"] == 0
        assert component.get("morph_mode", "bundle") == "bundle"
    info, component = model_settings(tmp_path, [20] * 1500, "auto", config="fast.cfg")
    assert info["small_treebank_settings"] == {} and "char_bilstm_width" not in component["model"]
    with pytest.raises(ValueError, match="model size must be one of auto, config, got 'big'"):
        model_settings(tmp_path, [20] * 10, "big")


def test_model_size_auto_refuses_a_model_it_cannot_size(tmp_path):
    with pytest.raises(ValueError, match="uses 'spacy.Tagger.v2'.*--vars.model_size config"):
        model_settings(
            tmp_path, [20] * 10, "auto",
            {"components.lstm_tagger.model": {"@architectures": "spacy.Tagger.v2"}},
        )


def test_project_passes_model_size_and_learn_rate_to_configure(tmp_path):
    copy_project(tmp_path)
    project = load_project_config(tmp_path, overrides={"vars.model_size": "config", "vars.learn_rate": 0.003})
    shipped = srsly.read_yaml(ROOT / "project.yml")["vars"]
    assert shipped["model_size"] == "auto" and shipped["learn_rate"] == 0.002
    configure = next(cmd for cmd in project["commands"] if cmd["name"] == "train")["script"][0]
    args = split_command(configure)
    assert args[args.index("--model-size") + 1] == "config"
    assert args[args.index("--learn-rate") + 1] == "0.003"


def test_learn_rate_sets_the_schedules_initial_rate_unless_an_override_does(tmp_path):
    """project.yml keeps its own rate (with its own max_steps) whatever the
    config's: configure_training --learn-rate."""
    write_docbin(tmp_path / "train.spacy", [20] * 30)

    def configured(config=ROOT / "configs" / "default.cfg", overrides=(), learn_rate=0.002):
        info = configure_training.configure(
            config, tmp_path / "out.cfg", "pos", {"paths.train": str(tmp_path / "train.spacy"), **dict(overrides)},
            learn_rate=learn_rate,
        )
        return info["learn_rate"], util.load_config(tmp_path / "out.cfg")["training"]["optimizer"]["learn_rate"]

    shipped = util.load_config(ROOT / "configs" / "default.cfg")["training"]["optimizer"]["learn_rate"]
    assert shipped["initial_rate"] != 0.002  # else the setting would change nothing here
    rate, schedule = configured()
    assert rate == 0.002 and schedule == {**shipped, "initial_rate": 0.002}
    rate, schedule = configured(overrides={"training.optimizer.learn_rate.initial_rate": 0.01})
    assert rate is None and schedule["initial_rate"] == 0.01
    assert configured(learn_rate=None) == (None, shipped)
    with pytest.raises(ValueError, match="above 0"):
        configured(learn_rate=0.0)
    # A config whose rate is a number (fast.cfg; spaCy's own configs) or
    # another schedule keeps its rate: a baseline is not changed behind its back.
    fast_rate = util.load_config(ROOT / "configs" / "fast.cfg")["training"]["optimizer"]["learn_rate"]
    assert configured(ROOT / "configs" / "fast.cfg", learn_rate=fast_rate * 3) == (None, fast_rate)
    constant = re.sub(
        r"\[training\.optimizer\.learn_rate\]\n(?:[^\[\n].*\n|\n)*",
        '[training.optimizer.learn_rate]\n@schedules = "constant.v1"\nrate = 0.001\n\n',
        (ROOT / "configs" / "default.cfg").read_text(),
    )
    (tmp_path / "constant.cfg").write_text(constant)
    assert configured(tmp_path / "constant.cfg") == (None, {"@schedules": "constant.v1", "rate": 0.001})


def fake_training(tmp_path, steps_scores, same=False):
    for name in ("model-best", "model-last"):
        (tmp_path / name / "lstm_tagger").mkdir(parents=True)
        (tmp_path / name / "meta.json").write_text(name)
        weights = b"weights" if same or name == "model-best" else b"later"
        (tmp_path / name / "lstm_tagger" / "model").write_bytes(weights)
    lines = [srsly.json_dumps({"epoch": 0, "step": step, "losses": {}, "scores": {}, "score": score})
             for step, score in steps_scores]
    (tmp_path / "train-log.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_check_training_fails_on_model_best_from_update_0(tmp_path):
    out = fake_training(tmp_path / "one", [(0, 0.4)])
    with pytest.raises(ValueError, match="before its second evaluation"):
        check_training.check(out)
    out = fake_training(tmp_path / "worse", [(0, 0.4), (5, 0.3), (10, 0.2)])
    with pytest.raises(ValueError, match=r"no later evaluation \(updates \[5, 10\]\)"):
        check_training.check(out)
    # Training stopped after update 0: model-best is model-last.
    assert "from update 0" in check_training.check(fake_training(tmp_path / "same", [(0, 0.4)], same=True))
    # Ties: spacy train saves model-best again at an equal score.
    summary = check_training.check(fake_training(tmp_path / "tie", [(0, 0.4), (5, 0.9), (10, 0.9)]))
    assert "from update 10 (score 0.9000); 3 evaluations" in summary
    with pytest.raises(ValueError, match="not found"):
        check_training.check(tmp_path / "missing")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_training.py"), str(tmp_path / "worse")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1 and "FAILED" in result.stderr and "eval_frequency" in result.stderr


def make_project_dir(tmp_path, n_train=30, extra_overrides="", **options):
    """project.yml with a tiny treebank (n_train/10/10 sentences of EWT), a
    tiny model and a test workflow without packaging."""
    for split, n_sentences in (("train", n_train), ("dev", 10), ("test", 10)):
        text = conllu_head(CORPUS / f"en_ewt-ud-{split}.conllu", n_sentences)
        (tmp_path / f"{split}.conllu").write_text(text, encoding="utf8")
    project = srsly.read_yaml(ROOT / "project.yml")
    project["vars"].update(
        train_conllu="train.conllu",
        dev_conllu="dev.conllu",
        test_conllu="test.conllu",
        config=str(ROOT / "configs" / "default.cfg"),
        **options,
    )
    project["vars"]["train_overrides"] = " ".join(
        f"--components.lstm_tagger.model.{key} {value}" for key, value in TINY_MODEL.items()
    ) + extra_overrides
    project["workflows"]["test"] = [
        name for name in project["workflows"]["all"] if name != "package"
    ]
    copy_project(tmp_path, project)
    return tmp_path


@pytest.fixture
def project_dir(tmp_path):
    return make_project_dir(tmp_path, **TRAIN_OPTIONS)


def run_project(project_dir, *args, check=True):
    # One torch thread: on a busy 2-core machine two threads of a tiny model
    # spin on each other and training runs over ten times slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", *map(str, args)],
        cwd=project_dir,
        capture_output=True,
        text=True,
        env=env,
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


# The CoNLL-U column of each attribute whose majority class is a baseline.
CONLLU_COLUMN = {"tag": 4, "pos": 3}


def majority_class_acc(project_dir, attr):
    """The test accuracy of tagging every word with the training set's most
    frequent value of attr (as spacy evaluate scores it: every word has one)."""
    def column(split):
        text = (project_dir / f"{split}.conllu").read_text(encoding="utf8")
        rows = [line.split("\t") for line in text.splitlines() if line[:1].isdigit()]
        return [cols[CONLLU_COLUMN[attr]] for cols in rows if cols[0].isdigit()]

    majority = Counter(column("train")).most_common(1)[0][0]
    test = column("test")
    return sum(value == majority for value in test) / len(test)


def untrained_scores(project_dir, attr, monkeypatch):
    """The test scores of the workflow's own config, initialized but not
    trained (the model at update 0), on the words that evaluate scored."""
    from spacy.training import Corpus
    from spacy.training.initialize import init_nlp

    monkeypatch.chdir(project_dir)  # the config's corpus paths are relative
    nlp = init_nlp(util.load_config(project_dir / "training" / attr / "config.cfg", interpolate=True))
    examples = list(Corpus(project_dir / "corpus" / "converted" / "test", gold_preproc=True)(nlp))
    return nlp.evaluate(examples)


def assert_learned(project_dir, attr, names, monkeypatch):
    """The workflow's test scores beat the untrained model's, and the
    majority class's where there is one: the 10 updates learned something
    and evaluate scored model-best (not an untrained model) on test."""
    metrics = srsly.read_json(project_dir / "metrics" / f"{attr}.json")
    untrained = untrained_scores(project_dir, attr, monkeypatch)
    for name in names:
        assert metrics[f"{name}_acc"] > untrained[f"{name}_acc"] + 0.05, (name, metrics, untrained)
        if name in CONLLU_COLUMN:
            assert metrics[f"{name}_acc"] > majority_class_acc(project_dir, name), (name, metrics)
    return metrics


@pytest.mark.slow
def test_project_workflow_trains_and_evaluates_tag_and_pos(project_dir, monkeypatch):
    for attr in ("tag", "pos"):
        stdout = run_project(project_dir, "test", ".", "--vars.attr", attr).stdout
        if attr == "pos":
            assert "Skipping 'convert-train': nothing changed" in stdout
        assert_learned(project_dir, attr, [attr], monkeypatch)
        config = (project_dir / "training" / attr / "model-best" / "config.cfg").read_text(encoding="utf8")
        assert f'attr = "{attr}"' in config
        report = srsly.read_json(project_dir / "reports" / attr / "report.json")
        assert report["attr"] == attr and report["n_tokens"] > 100
        assert (project_dir / "reports" / attr / "confusion.png").stat().st_size > 1000
    assert len(list((project_dir / "corpus" / "converted" / "train").glob("*.spacy"))) == 1


@pytest.mark.slow
def test_small_treebank_does_not_get_an_untrained_model_best(tmp_path):
    """The issue: a treebank with fewer updates than eval_frequency ended
    training before its first evaluation after update 0, and
    evaluate/report/package used that untrained model-best. UD_Uyghur-UDT had
    20 epochs of about 10 updates against the project's 200; here 60 sentences
    in batches of 200 words make the same schedule. Now training evaluates at
    least 10 times and model-best comes from a later update."""
    project_dir = make_project_dir(
        tmp_path, n_train=60, n_sents=1, extra_overrides=" --training.batcher.size 200"
    )
    run_project(project_dir, "test", ".", "--vars.attr", "pos")
    # Before the fix: 180 updates, one evaluation (update 0) and a model-best
    # with 15% test UPOS (model-last: 71%).
    test_acc = srsly.read_json(project_dir / "metrics" / "pos.json")["pos_acc"]
    assert test_acc > 0.5
    training = project_dir / "training" / "pos"
    evaluations = check_training.read_evaluations(training / "train-log.jsonl")
    assert len(evaluations) >= 10
    assert check_training.best_step(evaluations) > 0
    assert srsly.read_json(training / "model-best" / "meta.json")["performance"]["pos_acc"] > evaluations[0][1]


@pytest.mark.slow
def test_project_default_trains_tag_pos_morph_and_lemma(project_dir, monkeypatch):
    run_project(project_dir, "test", ".")
    attr = "tag_pos_morph_lemma"
    metrics = assert_learned(project_dir, attr, ["tag", "pos", "morph", "lemma"], monkeypatch)
    assert metrics["morph_per_feat"]
    model_best = project_dir / "training" / attr / "model-best"
    config = util.load_config(model_best / "config.cfg")
    assert config["components"]["lstm_tagger"]["attr"] == ["tag", "pos", "morph", "lemma"]
    assert spacy.load(model_best).get_pipe("lstm_tagger").predicted_attrs == ("tag", "pos", "morph", "lemma")
    report = srsly.read_json(project_dir / "reports" / attr / "report.json")
    assert report["attrs"] == ["tag", "pos", "morph", "lemma"] and report["morph"]["per_feat"]
    for name in ("tag", "pos", "morph", "lemma"):
        assert report[name]["accuracy"] == pytest.approx(metrics[f"{name}_acc"], abs=0.05)


# Multiword tokens (2-3, 4-5; 1-2) and an empty node (6.1), as in UD treebanks of
# Turkish, French or Arabic: spaCy's tokenizer keeps "kökenli" and
# "birisiyse" whole, so the words li (ADP) and siyse (AUX) exist only in the
# treebank's own tokenization.
MWT_CONLLU = """\
# sent_id = mwt-1
# text = Ankara kökenli birisiyse geldi.
1	Ankara	Ankara	PROPN	Prop	Case=Nom	6	nsubj	_	_
2-3	kökenli	_	_	_	_	_	_	_	_
2	köken	köken	NOUN	Noun	Case=Nom	6	obl	_	_
3	li	li	ADP	Postp	_	2	case	_	_
4-5	birisiyse	_	_	_	_	_	_	_	_
4	biri	biri	PRON	Pron	Case=Nom|Person=3	6	nsubj	_	_
5	siyse	i	AUX	Zero	Mood=Cnd	4	cop	_	_
6	geldi	gel	VERB	Verb	Tense=Past	0	root	_	SpaceAfter=No
6.1	geldi	gel	VERB	Verb	Tense=Past	_	_	6:conj	_
7	.	.	PUNCT	Punc	_	6	punct	_	_

# sent_id = mwt-2
# text = Kitaplıktaki kitap.
1-2	Kitaplıktaki	_	_	_	_	_	_	_	_
1	Kitaplıkta	kitaplık	NOUN	Noun	Case=Loc	3	nmod	_	_
2	ki	ki	ADP	Postp	_	1	case	_	_
3	kitap	kitap	NOUN	Noun	Case=Nom	0	root	_	SpaceAfter=No
4	.	.	PUNCT	Punc	_	3	punct	_	_

"""


def conllu_words(text):
    """The syntactic words of a CoNLL-U text: not the multiword token lines
    (ID 2-3) nor the empty nodes (ID 6.1)."""
    lines = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [cols[1] for cols in lines if cols[0].isdigit()]


def words_reaching_the_loss(config_path):
    """The training words that get a gradient in every head, read through
    the written config's own corpus reader, pipeline and get_loss. The
    lemma head is left out: a word whose lemma rule is rarer than
    lemma.MIN_RULE_FREQ trains nothing there by design."""
    from spacy.training.initialize import init_nlp
    from spacy.util import load_config, resolve_dot_names

    config = load_config(config_path, interpolate=True)
    nlp = init_nlp(config)
    (train_corpus,) = resolve_dot_names(config, ["corpora.train"])
    tagger = nlp.get_pipe("lstm_tagger")
    assert tagger.predicted_attrs == ("tag", "pos", "morph", "lemma")
    columns = numpy.concatenate(
        [numpy.arange(head.columns.start, head.columns.stop) for head in tagger._heads() if head.attr != "lemma"]
    )
    reached, missed = [], []
    for example in train_corpus(nlp):
        # An untrained head predicts the uniform distribution: every word
        # with a gold label gets a gradient in every column.
        _, gradients = tagger.get_loss([example], tagger.predict([example.predicted]))
        for token, row in zip(example.predicted, gradients[0]):
            (reached if (row[columns] != 0).all() else missed).append(token.text)
    return reached, missed


def test_workflow_trains_on_every_word_of_multiword_tokens(tmp_path, monkeypatch):
    """The project's own conversion and training set-up feed the loss every
    syntactic word of the treebank, including the parts of multiword tokens,
    and none of an empty node's copy; with spaCy's tokenization instead
    (gold_preproc = false, the shipped setting before 0.4.0) the parts of
    "kökenli" and "birisiyse" never reach it."""
    for split in ("train", "dev", "test"):
        (tmp_path / f"{split}.conllu").write_text(MWT_CONLLU, encoding="utf8")
    project = srsly.read_yaml(ROOT / "project.yml")
    project["vars"].update(
        train_conllu="train.conllu", dev_conllu="dev.conllu", test_conllu="test.conllu",
        config=str(ROOT / "configs" / "default.cfg"), lang="xx", max_steps=10,
    )
    copy_project(tmp_path, project)
    run_project(tmp_path, "convert", ".")
    load_project = load_project_config(tmp_path)
    train = next(cmd for cmd in load_project["commands"] if cmd["name"] == "train")
    run_script_line(train["script"][0], tmp_path)
    config_path = tmp_path / "training" / "tag_pos_morph_lemma" / "config.cfg"

    words = conllu_words(MWT_CONLLU)
    assert "li" in words and "siyse" in words and words.count("geldi") == 1
    # The corpus paths in the config are relative to the project.
    monkeypatch.chdir(tmp_path)
    # The default reader feeds every word twice, in its sentence and again
    # inside a paragraph (the last sentence alone only once).
    reached, missed = words_reaching_the_loss(config_path)
    assert set(reached) == set(words) and not missed
    config = util.load_config(config_path)
    config["corpora"]["train"]["max_sentences"] = 1
    config.to_disk(tmp_path / "sentences.cfg")
    reached, missed = words_reaching_the_loss(tmp_path / "sentences.cfg")
    assert sorted(reached) == sorted(words) and not missed

    for split in ("train", "dev"):
        config["corpora"][split]["gold_preproc"] = False
    config.to_disk(tmp_path / "spacy-tokens.cfg")
    reached, missed = words_reaching_the_loss(tmp_path / "spacy-tokens.cfg")
    assert {"li", "siyse", "ki"}.isdisjoint(reached)
    assert {"kökenli", "birisiyse", "Kitaplıktaki"} <= set(missed)


def test_train_overrides_documented_line_reaches_spacy_train(tmp_path):
    """The command line that project.yml documents for train_overrides runs:
    its overrides reach the config that `spacy train` trains on."""
    comment = next(
        line for line in (ROOT / "project.yml").read_text(encoding="utf8").splitlines()
        if "--vars.train_overrides" in line
    )
    documented = split_command(comment.lstrip("# "))
    assert documented[:5] == ["python", "-m", "spacy", "project", "run"]
    overrides = dict(pair.split("=", 1) for pair in documented[documented.index("--vars.train_overrides") + 1].split())
    assert overrides, comment
    project = srsly.read_yaml(ROOT / "project.yml")
    project["vars"]["config"] = str(ROOT / "configs" / "default.cfg")
    copy_project(tmp_path, project)
    write_docbin(tmp_path / "corpus" / "converted" / "train" / "train.spacy", [20] * 30)
    # The documented workflow, dry: weasel prints each command it would run.
    args = [*documented[5:], "--dry"]
    args[args.index("all")] = "train"
    stdout = run_project(tmp_path, *args).stdout
    configure = next(
        line.split("Running command: ", 1)[1] for line in stdout.splitlines() if "configure_training.py" in line
    )
    subprocess.run(split_command(configure), cwd=tmp_path, check=True, capture_output=True, text=True)
    config = util.load_config(tmp_path / "training" / "tag_pos_morph_lemma" / "config.cfg")
    for dotted, value in overrides.items():
        section, *keys = dotted.split(".")
        node = config[section]
        for key in keys:
            node = node[key]
        assert str(node) == value, dotted


def test_configure_training_takes_both_override_forms(tmp_path):
    write_docbin(tmp_path / "train.spacy", [20] * 30)
    convert = configure_training.override_args
    assert convert(["a.b=1", "--c.d", "2", "--e.f=3"]) == ["--a.b", "1", "--c.d", "2", "--e.f=3"]
    with pytest.raises(ValueError, match="'hidden_width=64' is neither"):
        convert(["hidden_width=64"])
    with pytest.raises(ValueError, match="'64' is neither"):
        convert(["--a.b", "1", "64"])
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "configure_training.py"), str(ROOT / "configs" / "default.cfg"),
         str(tmp_path / "out.cfg"), "--attr", "pos", "--paths.train", str(tmp_path / "train.spacy"),
         "components.lstm_tagger.model.depth=1"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert util.load_config(tmp_path / "out.cfg")["components"]["lstm_tagger"]["model"]["depth"] == 1
