"""Records tests/data/resave.json: for each release fixture, what loading it
and saving it again writes (sha256 of each lstm_tagger's cfg and model
files) and every token's probabilities at full precision, so that
tests/test_compat.py can hold a refactor to "same bytes, same numbers".

    python tests/data/record_resave.py   # run at a commit whose behaviour is the reference

Not run by the tests; the output is committed, with the commit it ran at.
"""
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy

HERE = Path(__file__).resolve().parent
RELEASES = ("0.1.0", "0.3.0", "0.6.0")


def resave(release: str) -> dict:
    """{component: {file: sha256}} of the fixture loaded and saved again, and
    {component: [[prob per token] per text]} (token._.{attr}_prob, every attr)."""
    nlp = spacy.load(HERE / f"pipeline_{release}", config=confidence_config(release))
    texts = [d["text"] for d in json.loads((HERE / f"pipeline_{release}.expected.json").read_text())["docs"]]
    with tempfile.TemporaryDirectory() as tmp:
        nlp.to_disk(tmp)
        digests = {
            name: {f: hashlib.sha256((Path(tmp) / name / f).read_bytes()).hexdigest() for f in ("cfg", "model")}
            for name, pipe in nlp.pipeline
        }
    probs = {}
    for name, pipe in nlp.pipeline:
        rows = []
        for doc in pipe.pipe(nlp.make_doc(t) for t in texts):
            rows.append({a: [t._.get(f"{a}_prob") for t in doc] for a in pipe.predicted_attrs})
        probs[name] = rows
    return {"files": digests, "probs": probs}


def confidence_config(release: str) -> dict:
    """Every component with confidence "predicted": probabilities to compare."""
    cfg = spacy.util.load_config(HERE / f"pipeline_{release}" / "config.cfg")
    return {"components": {name: {"confidence": "predicted"} for name in cfg["components"]}}


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = {"commit": commit, "releases": {release: resave(release) for release in RELEASES}}
    (HERE / "resave.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf8")


if __name__ == "__main__":
    sys.exit(main())
