from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="spacy-lstm-tagger",
    version="0.6.0",
    description="A PyTorch LSTM part-of-speech tagger as a spaCy pipeline component",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf8"),
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["spacy_lstm_tagger", "spacy_lstm_tagger.*"]),
    python_requires=">=3.9",
    install_requires=[
        "spacy>=3.8,<3.9",
        "thinc>=8.3,<8.4",
        # What the code needs. Install torch first to choose its build (README:
        # `pip install torch==2.13.0` is the CPU wheel on the project machines);
        # pip then keeps it, since it satisfies this range.
        "torch>=2.1",
        "safetensors>=0.4",
        "numpy>=1.21",
    ],
    extras_require={
        "test": ["pytest>=7", "hypothesis>=6", "psutil>=5", "matplotlib>=3.5"],
        "distributed": ["dask[distributed]>=2024.1"],
        "report": ["matplotlib>=3.5"],
        # The fused CPU path for small batches (fused.py): ONNX Runtime runs a
        # graph built from the weights; onnx only builds that graph.
        "onnx": ["onnxruntime>=1.17", "onnx>=1.15"],
        # A transformer under lstm_tagger (configs/transformer.cfg): 0.3 is the last
        # spacy-curated-transformers for thinc 8 (spaCy 3.8), and its update calls
        # float() on a one-element array, which numpy 2.4 refuses.
        "transformers": ["spacy-curated-transformers>=0.3,<1", "numpy<2.4"],
    },
    entry_points={
        "console_scripts": [
            "spacy-lstm-tagger = spacy_lstm_tagger.cli:main",
        ],
        "spacy_factories": [
            "lstm_tagger = spacy_lstm_tagger.component:make_lstm_tagger",
        ],
        "spacy_architectures": [
            "spacy_lstm_tagger.LSTMTagger.v1 = spacy_lstm_tagger.thinc_model:build_lstm_tagger_model",
            "spacy_lstm_tagger.LSTMTagger.v2 = spacy_lstm_tagger.thinc_model:build_lstm_tagger_model_v2",
        ],
        "spacy_readers": [
            "spacy_lstm_tagger.ParagraphCorpus.v1 = spacy_lstm_tagger.corpus:create_paragraph_corpus",
        ],
        "spacy_scorers": [
            "spacy_lstm_tagger.scorer.v1 = spacy_lstm_tagger.scorer:make_lstm_tagger_scorer",
        ],
    },
)
