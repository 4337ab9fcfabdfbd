"""No number the book prints depends on how many threads BLAS uses.

Readers' machines run OpenBLAS with its own thread count (one per core); make test
gives each of its parallel pytest processes one thread, because two processes with
two threads each on two cores would spin against each other. So the chapters'
recorded outputs are checked at one thread, and these tests check that more threads
give the very same bits. They compute what the chapters compute, at their sizes:
the Shakespeare model's logits (chapters 05, 07, 09), its gradients, the sorter's
training run (A1, where rounding differences would be amplified step by step) and
chapter 02's word vectors (products and QR of a 8,000 x 8,000 matrix), each under
1, 2 and 4 BLAS threads (threadpoolctl), and require equal arrays, not close ones.
They run in every part of make test, so with each Python and OpenBLAS kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

THREADS = (1, 2, 4)


def _openblas(controller):
    found = controller.select(internal_api="openblas")
    if not found.lib_controllers:
        pytest.skip("numpy does not use OpenBLAS here")
    return found


def under_each_thread_count(compute):
    """compute() under 1, 2 and 4 OpenBLAS threads: {threads: result}."""
    controller = threadpoolctl.ThreadpoolController()
    openblas = _openblas(controller)
    results = {}
    for n in THREADS:
        with openblas.limit(limits=n):
            used = {c.num_threads for c in openblas.lib_controllers}
            assert used == {n}, f"asked OpenBLAS for {n} threads, it uses {used}"
            results[n] = compute()
    return results


def assert_same_bits(results, what):
    flat = {
        n: [np.asarray(a) for a in (r if isinstance(r, (list, tuple)) else [r])]
        for n, r in results.items()
    }
    for n in THREADS[1:]:
        for i, (one, many) in enumerate(zip(flat[1], flat[n], strict=True)):
            assert one.dtype == many.dtype and one.shape == many.shape, (what, i)
            differ = int(np.sum(one != many))
            assert differ == 0, (
                f"{what} [{i}]: {differ} of {one.size} values differ between 1 and "
                f"{n} BLAS threads (largest gap {np.max(np.abs(one - many)):.3g})"
            )


@pytest.fixture(scope="module")
def shakespeare():
    from nanogpt_lib.shakespeare import held_out_text, load_model

    cfg, params, tokenizer = load_model()
    ids = np.array(tokenizer.encode(held_out_text()[:20_000]), dtype=np.int64)
    T = cfg.block_size
    starts = np.arange(8) * 2 * T
    x = np.stack([ids[s : s + T] for s in starts])
    y = np.stack([ids[s + 1 : s + T + 1] for s in starts])
    return cfg, params, x, y


def test_the_shakespeare_models_logits(shakespeare):
    from nanogpt_lib.gpt import forward

    cfg, params, x, _ = shakespeare
    results = under_each_thread_count(lambda: forward(params, x, cfg))
    assert_same_bits(results, "logits of 8 held-out windows")


def _leaves(tree):
    if isinstance(tree, dict):
        for key in sorted(tree):
            yield from _leaves(tree[key])
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            yield from _leaves(item)
    else:
        yield np.asarray(tree)


def test_the_shakespeare_models_loss_and_gradients(shakespeare):
    from nanogpt_lib.train import loss_and_grads

    cfg, params, x, y = shakespeare

    def compute():
        loss, grads = loss_and_grads(params, x, y, cfg)
        return [np.asarray(loss), *_leaves(grads)]

    assert_same_bits(under_each_thread_count(compute), "loss and gradients")


def test_a_sorter_training_run():
    from nanogpt_lib.train import train_sorter

    def compute():
        params, history = train_sorter(seed=0, max_steps=60, stop_when_sorted=False)
        return [np.asarray(history["loss"]), *_leaves(params)]

    assert_same_bits(under_each_thread_count(compute), "60 training steps")


def test_chapter_02s_word_vectors():
    from nanogpt_lib.shakespeare import training_text
    from nanogpt_lib.word_vectors import train_word_vectors

    text = training_text()

    def compute():
        wv = train_word_vectors(
            text, rng=np.random.default_rng(0), vocab_size=8000, window=5, dim=128
        )
        return [wv.vectors]

    assert_same_bits(under_each_thread_count(compute), "word vectors")
