"""nlp.pipe with n_process=2 gives the n_process=1 tags, with fork and spawn;
a forked child tags with its own fused engine and locks."""
import multiprocessing
import pickle
import subprocess
import sys
import threading

import pytest
import spacy
import torch

SCRIPT = """
import multiprocessing, sys, json
import spacy
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[2], force=True)
    nlp = spacy.load(sys.argv[1])
    texts = ["The dog ate the apple", "Everybody read that book", "She eats"] * 40
    one = [[t.tag_ for t in d] for d in nlp.pipe(texts, n_process=1)]
    two = [[t.tag_ for t in d] for d in nlp.pipe(texts, n_process=2, batch_size=10)]
    print(json.dumps({"same": one == two, "n": len(two)}))
"""


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_n_process_2_equals_n_process_1(trained_nlp, tmp_path, start_method):
    trained_nlp.to_disk(tmp_path / "pipeline")
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    # A deadlocked worker would hang: the timeout turns that into a failure.
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "pipeline"), start_method],
        capture_output=True, text=True, timeout=240, check=True,
    )
    assert result.stdout.strip().endswith('{"same": true, "n": 120}')


def test_pipeline_pickles(trained_nlp):
    nlp = pickle.loads(pickle.dumps(trained_nlp))
    texts = ["The dog ate the apple", "Zork blargs"]
    assert [[t.tag_ for t in d] for d in nlp.pipe(texts)] == [[t.tag_ for t in d] for d in trained_nlp.pipe(texts)]


def _tag_in_forked_child(nlp, texts, parent_engine, connection):
    shim = nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
    report = {
        "torch_threads": torch.get_num_threads(),
        "cache_after_fork": shim._fused_cache,
        "engine_pool_lock_held": parent_engine is not None and parent_engine._pool_lock.locked(),
        "engine_pool": parent_engine is not None and parent_engine._pool is not None,
    }
    report["tags"] = [[t.tag_ for t in doc] for doc in nlp.pipe(texts)]
    report["own_engine"] = shim._fused_cache is not None and shim._fused_cache[1] is not parent_engine
    report["fused"] = shim._fused_cache is not None and shim._fused_cache[1] is not None
    connection.send(report)


def test_a_forked_child_tags_with_its_own_engine_and_locks_though_a_thread_held_them_at_the_fork(trained_nlp):
    # A lock another thread holds at the fork stays held in the child, whose
    # only thread is the one that forked: the at-fork hook re-makes the
    # shim's lock and the engine's pool lock, and drops the parent's engine.
    from spacy_lstm_tagger import fused

    shim = trained_nlp.get_pipe("lstm_tagger").model.layers[0].shims[0]
    texts = ["The dog ate the apple", "Everybody read that book", "She eats"]
    expected = [[t.tag_ for t in doc] for doc in trained_nlp.pipe(texts)]
    parent_engine = shim._fused_cache[1]
    assert (parent_engine is not None) == fused.runtime_available()
    held, release = threading.Event(), threading.Event()

    def hold_the_locks():
        with shim._fused_lock:
            if parent_engine is not None:
                parent_engine._pool_lock.acquire()
            held.set()
            release.wait()
            if parent_engine is not None:
                parent_engine._pool_lock.release()

    holder = threading.Thread(target=hold_the_locks)
    holder.start()
    held.wait()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_tag_in_forked_child, args=(trained_nlp, texts, parent_engine, send))
    try:
        child.start()
        # A child stuck on an inherited lock never answers.
        assert receive.poll(120), "the forked child did not answer: deadlocked on a lock held at the fork?"
        report = receive.recv()
    finally:
        release.set()
        holder.join()
        child.join(30)
        if child.is_alive():
            child.kill()
    assert report["tags"] == expected
    assert report["torch_threads"] == 1
    assert report["cache_after_fork"] is None
    assert report["engine_pool_lock_held"] is False and report["engine_pool"] is False
    assert report["own_engine"] and report["fused"] == fused.runtime_available()
