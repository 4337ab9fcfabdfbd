"""Tests for nanogpt_lib.train: gradients, AdamW, clipping, the sorting task."""

from __future__ import annotations

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib import train as tr
from nanogpt_lib.attention import attention
from nanogpt_lib.checkpoint import flatten_params, unflatten_params
from nanogpt_lib.gpt import GPTConfig

SMALL_CONFIGS = [
    GPTConfig(
        vocab_size=5, block_size=6, n_layer=2, n_head=2, n_embd=8, tied_head=False
    ),
    GPTConfig(
        vocab_size=5, block_size=6, n_layer=2, n_head=2, n_embd=8, bias=False
    ),  # tied head, no biases
]


def _random_params(cfg: GPTConfig, rng: np.random.Generator, scale: float = 0.3):
    """Float64 weights far from init (LayerNorm not 1/0) so every path matters."""
    params = gpt.init_params(cfg, rng=rng)
    flat = {
        name: value.astype(np.float64) + scale * rng.standard_normal(value.shape)
        for name, value in flatten_params(params).items()
    }
    return unflatten_params(flat, cfg)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("cfg", SMALL_CONFIGS, ids=["untied+bias", "tied-no-bias"])
def test_every_gradient_matches_finite_differences(cfg, rng):
    """Central differences (step 1e-6, float64) on every entry of every tensor."""
    params = _random_params(cfg, rng)
    ids = rng.integers(0, cfg.vocab_size, size=(3, cfg.block_size))
    targets = rng.integers(0, cfg.vocab_size, size=(3, cfg.block_size))
    targets[:, :2] = -1  # ignored positions, as in the sorting task
    loss, grads = tr.loss_and_grads(params, ids, targets, cfg)
    flat_p, flat_g = flatten_params(params), flatten_params(grads)
    assert flat_g.keys() == flat_p.keys()
    h = 1e-6
    for name, w in flat_p.items():
        assert flat_g[name].shape == w.shape and flat_g[name].dtype == np.float64
        numeric = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            old = w[i]
            w[i] = old + h
            up, _ = tr.loss_and_grads(params, ids, targets, cfg)
            w[i] = old - h
            down, _ = tr.loss_and_grads(params, ids, targets, cfg)
            w[i] = old
            numeric[i] = (up - down) / (2 * h)
        diff = np.linalg.norm(numeric - flat_g[name])
        size = np.linalg.norm(numeric) + np.linalg.norm(flat_g[name])
        assert size > 0, f"{name}: gradient is identically zero"
        assert diff / size < 1e-4, f"{name}: relative error {diff / size:.2e}"


def test_training_forward_equals_gpt_forward(rng):
    """Same weights, same ids: the cached forward gives gpt.forward's logits."""
    cfg = gpt.get_config("nano-sorter")
    params = gpt.init_params(cfg, rng=rng)
    params = unflatten_params(
        {
            k: (v + 0.2 * rng.standard_normal(v.shape)).astype(np.float32)
            for k, v in flatten_params(params).items()
        },
        cfg,
    )
    ids = rng.integers(0, 3, size=(7, 11))
    ours, _ = tr.forward_with_cache(params, ids, cfg)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, gpt.forward(params, ids, cfg), atol=1e-5)
    for cfg in SMALL_CONFIGS:
        p = _random_params(cfg, rng)
        ids = rng.integers(0, cfg.vocab_size, size=(2, 4))
        np.testing.assert_allclose(
            tr.forward_with_cache(p, ids, cfg)[0], gpt.forward(p, ids, cfg), atol=1e-10
        )


def test_leading_batch_axes_match_flat_batch(rng):
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    ids = rng.integers(0, 5, size=(2, 3, 4))
    targets = rng.integers(-1, 5, size=(2, 3, 4))
    targets[0, 0, 0] = 1
    loss, grads = tr.loss_and_grads(params, ids, targets, cfg)
    loss2, grads2 = tr.loss_and_grads(
        params, ids.reshape(6, 4), targets.reshape(6, 4), cfg
    )
    assert loss == pytest.approx(loss2, rel=1e-12)
    for name, g in flatten_params(grads).items():
        np.testing.assert_allclose(g, flatten_params(grads2)[name], atol=1e-12)


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_attention_in_query_blocks_equals_the_whole_matrix(block, rng):
    """Blocks of query rows (the last one short when block does not divide T) give
    chapter 04's attention, and the same gradients as one block of all T rows."""
    B, T, H, D = 2, 7, 2, 4
    qkv = rng.standard_normal((B, T, 3 * H * D))
    dout = rng.standard_normal((B, T, H * D))
    out, cache = tr.attention_forward(qkv, H, block=block)
    q, k, v = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)  # (B, H, T, D)
    expected = attention(q, k, v).transpose(0, 2, 1, 3).reshape(B, T, H * D)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    _, whole = tr.attention_forward(qkv, H, block=T)
    np.testing.assert_allclose(
        tr.attention_backward(dout, cache),
        tr.attention_backward(dout, whole),
        rtol=0,
        atol=1e-12,
    )


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_parallel_loss_and_grads_equal_the_serial_ones(workers, rng):
    """Shares of 5 sequences with different numbers of ignored targets: weighting
    each share by its kept targets gives the mean over the whole batch."""
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    ids = rng.integers(0, cfg.vocab_size, size=(5, cfg.block_size))
    targets = rng.integers(0, cfg.vocab_size, size=(5, cfg.block_size))
    targets[0, :4] = -1
    targets[3, :2] = -1
    loss, grads = tr.loss_and_grads(params, ids, targets, cfg)
    par_loss, par_grads = tr.loss_and_grads_parallel(params, ids, targets, cfg, workers)
    assert par_loss == pytest.approx(loss, rel=1e-12)
    for name, g in flatten_params(par_grads).items():
        np.testing.assert_allclose(g, flatten_params(grads)[name], rtol=0, atol=1e-12)


def test_parallel_loss_and_grads_fall_back_when_a_share_has_no_target(rng):
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    ids = rng.integers(0, cfg.vocab_size, size=(2, cfg.block_size))
    targets = np.full(ids.shape, -1)
    targets[0, 3] = 2
    loss, grads = tr.loss_and_grads_parallel(params, ids, targets, cfg, 2)
    assert loss == tr.loss_and_grads(params, ids, targets, cfg)[0]
    with pytest.raises(ValueError, match="at least one"):
        tr.loss_and_grads_parallel(params, ids, np.full(ids.shape, -1), cfg, 2)
    with pytest.raises(ValueError, match="workers must be >= 1"):
        tr.loss_and_grads_parallel(params, ids, targets, cfg, 0)


def test_loss_at_first_position_sends_no_gradient_to_later_positions(rng):
    """Causality: the first prediction cannot depend on later positions' vectors."""
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    ids = np.array([[0, 1, 2, 3, 4, 0]])
    targets = np.array([[2, -1, -1, -1, -1, -1]])
    _, grads = tr.loss_and_grads(params, ids, targets, cfg)
    assert np.abs(grads["wpe"][0]).sum() > 0
    np.testing.assert_array_equal(grads["wpe"][1:], 0.0)
    np.testing.assert_array_equal(grads["wte"][1:], 0.0)  # tokens 1..4 come later


def test_float32_params_give_float32_gradients(rng):
    cfg = gpt.get_config("nano-sorter")
    params = gpt.init_params(cfg, rng=rng)
    x, y = tr.sample_sort_batch(rng, 4)
    loss, grads = tr.loss_and_grads(params, x, y, cfg)
    assert isinstance(loss, float) and np.isfinite(loss)
    assert {g.dtype for g in flatten_params(grads).values()} == {np.dtype(np.float32)}


def test_cross_entropy_worked_example():
    """logits [0, 0], target 1: loss = log 2, gradient softmax - onehot = [.5, -.5].

    The second row is ignored (target -1): no loss, zero gradient.
    """
    logits = np.array([[0.0, 0.0], [5.0, -3.0]])
    loss, dlogits = tr.cross_entropy(logits, np.array([1, -1]))
    assert float(loss) == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(dlogits, [[0.5, -0.5], [0.0, 0.0]])


def test_cross_entropy_averages_over_kept_positions_only():
    """Two kept rows with losses log 2 and log(1 + e^-2) average to their mean."""
    logits = np.array([[0.0, 0.0], [2.0, 0.0], [9.0, 9.0]])
    loss, _ = tr.cross_entropy(logits, np.array([0, 0, -1]))
    expected = (np.log(2.0) + np.log(1.0 + np.exp(-2.0))) / 2
    assert float(loss) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("targets", "error", "match"),
    [
        (np.array([-1, -1]), ValueError, "at least one"),
        (np.array([0, 2]), ValueError, r"\[0, 2\) or -1"),
        (np.array([0, -2]), ValueError, r"\[0, 2\) or -1"),
        (np.array([0.0, 1.0]), TypeError, "integer"),
        (np.array([0, 1, 1]), ValueError, "shape"),
    ],
)
def test_cross_entropy_rejects_bad_targets(targets, error, match):
    with pytest.raises(error, match=match):
        tr.cross_entropy(np.zeros((2, 2)), targets)


def test_loss_and_grads_rejects_bad_input(rng):
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    with pytest.raises(ValueError, match=r"ids must be integers in \[0, 5\)"):
        tr.loss_and_grads(params, np.array([[0, 7]]), np.array([[1, 1]]), cfg)
    with pytest.raises(ValueError, match="block_size = 6"):
        tr.loss_and_grads(params, np.zeros((1, 7), int), np.zeros((1, 7), int), cfg)
    broken = unflatten_params({**flatten_params(params), "wte": np.zeros((4, 8))}, cfg)
    with pytest.raises(ValueError, match=r"params\['wte'\] must have shape \(5, 8\)"):
        tr.loss_and_grads(broken, np.zeros((1, 2), int), np.zeros((1, 2), int), cfg)


def test_loss_decreases_on_a_fixed_batch(rng):
    """40 AdamW steps on one sorting batch: the model memorises it."""
    cfg = gpt.get_config("nano-sorter")
    params = gpt.init_params(cfg, rng=rng)
    state = tr.adamw_init(params)
    x, y = tr.sample_sort_batch(rng, 16)
    losses = []
    for _ in range(40):
        loss, grads = tr.loss_and_grads(params, x, y, cfg)
        grads, _ = tr.clip_grad_norm(grads, 1.0)
        params, state = tr.adamw_step(params, grads, state, lr=3e-3)
        losses.append(loss)
    assert losses[0] == pytest.approx(np.log(3.0), abs=0.05)  # uniform guess at init
    assert losses[-1] < 0.5 * losses[0]
    assert losses[-1] < min(losses[:10])


# --------------------------------------------------------------------------- optimiser


def test_clip_grad_norm_worked_example():
    """Gradients 3 and 4 have global norm 5; clipped to 1 they become 0.6 and 0.8."""
    grads = {"a": np.array([3.0]), "b": [np.array([[4.0]])]}
    clipped, norm = tr.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6])
    np.testing.assert_allclose(clipped["b"][0], [[0.8]])
    assert grads["a"][0] == 3.0  # not mutated
    same, norm = tr.clip_grad_norm(grads, 10.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_array_equal(same["a"], [3.0])
    assert same["a"] is not grads["a"]
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        tr.clip_grad_norm(grads, 0.0)


def test_weight_decay_mask_follows_mingpt():
    """Decay the 4 Linear matrices per block and lm_head: 3 * 27,648 + 144 weights."""
    cfg = gpt.get_config("nano-sorter")
    params = gpt.init_params(cfg, rng=np.random.default_rng(0))
    mask = flatten_params(tr.weight_decay_mask(params))
    decayed = sorted(name for name, on in mask.items() if on)
    expected = sorted(
        [f"h.{i}.attn.c_attn.weight" for i in range(3)]
        + [f"h.{i}.attn.c_proj.weight" for i in range(3)]
        + [f"h.{i}.mlp.c_fc.weight" for i in range(3)]
        + [f"h.{i}.mlp.c_proj.weight" for i in range(3)]
        + ["lm_head"]
    )
    assert decayed == expected
    flat = flatten_params(params)
    assert sum(flat[name].size for name in decayed) == 83_088


def test_adamw_worked_example():
    """w = 1, constant g = 0.5, lr 0.1, betas (0.9, 0.95), wd 0.1.

    Step 1: m_hat = 0.5, v_hat = 0.25, so the Adam step is lr * 0.5/0.5 = 0.1.
    Decayed (lm_head): 1 * (1 - 0.01) - 0.1 = 0.89; not decayed (wte): 0.9.
    Step 2: the bias-corrected moments are again 0.5 and 0.25:
    decayed 0.89 * 0.99 - 0.1 = 0.7811; not decayed 0.8.
    """
    params = {"wte": np.array([[1.0]]), "lm_head": np.array([[1.0]])}
    grads = {"wte": np.array([[0.5]]), "lm_head": np.array([[0.5]])}
    state = tr.adamw_init(params)
    p1, s1 = tr.adamw_step(params, grads, state, lr=0.1, weight_decay=0.1)
    assert p1["lm_head"][0, 0] == pytest.approx(0.89, abs=1e-7)
    assert p1["wte"][0, 0] == pytest.approx(0.9, abs=1e-7)
    p2, s2 = tr.adamw_step(p1, grads, s1, lr=0.1, weight_decay=0.1)
    assert p2["lm_head"][0, 0] == pytest.approx(0.7811, abs=1e-7)
    assert p2["wte"][0, 0] == pytest.approx(0.8, abs=1e-7)
    assert s2["step"] == 2 and state["step"] == 0
    assert params["wte"][0, 0] == 1.0  # arguments untouched
    np.testing.assert_array_equal(state["m"]["wte"], 0.0)


def test_adamw_matches_torch(rng):
    torch = pytest.importorskip("torch", reason="torch is the AdamW oracle")
    shapes = {"wte": (3, 4), "lm_head": (3, 4)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = torch.optim.AdamW(
        [
            {"params": [tensors["lm_head"]], "weight_decay": 0.1},
            {"params": [tensors["wte"]], "weight_decay": 0.0},
        ],
        lr=0.01,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    state = tr.adamw_init(params)
    for _ in range(3):
        grads = {k: rng.standard_normal(s) for k, s in shapes.items()}
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        opt.step()
        params, state = tr.adamw_step(params, grads, state, lr=0.01)
    for k, t in tensors.items():
        np.testing.assert_allclose(params[k], t.detach().numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- sorting


def test_all_sort_inputs_enumerates_every_string_once():
    inputs = tr.all_sort_inputs()
    assert inputs.shape == (729, 6)
    assert len(np.unique(inputs, axis=0)) == 729
    np.testing.assert_array_equal(inputs[0], [0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(inputs[5], [0, 0, 0, 0, 1, 2])  # 1*3 + 2 = 5
    np.testing.assert_array_equal(inputs[728], [2, 2, 2, 2, 2, 2])


def test_sort_split_is_a_fixed_partition():
    train_idx, test_idx = tr.sort_split()
    assert len(train_idx) == 547 and len(test_idx) == 182
    np.testing.assert_array_equal(
        np.sort(np.concatenate([train_idx, test_idx])), np.arange(729)
    )
    again = tr.sort_split()
    np.testing.assert_array_equal(again[1], test_idx)
    other = tr.sort_split(seed=tr.SPLIT_SEED + 1)
    assert not np.array_equal(other[1], test_idx)


def test_sort_examples_worked_example():
    """CBABBC -> x = input + sorted minus its last; y shifted, first five ignored."""
    x, y = tr.sort_examples(np.array([[2, 1, 0, 1, 1, 2]]))
    np.testing.assert_array_equal(x, [[2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]])
    np.testing.assert_array_equal(y, [[-1, -1, -1, -1, -1, 0, 1, 1, 1, 2, 2]])
    with pytest.raises(ValueError, match=r"shape \(N, 6\)"):
        tr.sort_examples(np.zeros((2, 5), dtype=int))


def test_sample_sort_batch_uses_train_split_and_favours_repeats():
    train_idx, test_idx = tr.sort_split()
    inputs = tr.all_sort_inputs()
    x, y = tr.sample_sort_batch(np.random.default_rng(1), 4000, train_idx)
    assert x.shape == (4000, 11) and y.shape == (4000, 11)
    rows = x[:, :6] @ (3 ** np.arange(5, -1, -1))  # back to row indices
    assert set(rows.tolist()) <= set(train_idx.tolist())
    heavy = tr._repeat_heavy(inputs)
    share_train = heavy[train_idx].mean()
    expected = 0.5 + 0.5 * share_train  # half forced, half at the base rate
    assert heavy[rows].mean() == pytest.approx(expected, abs=0.03)
    assert heavy.sum() == 219  # 3 letters * (C(6,4)*4 + C(6,5)*2 + 1)
    x2, _ = tr.sample_sort_batch(np.random.default_rng(1), 4000, train_idx)
    np.testing.assert_array_equal(x, x2)


def test_sort_correct_agrees_with_greedy_generation():
    """Teacher-forced argmax check == real greedy decoding, on a half-trained model."""
    cfg = gpt.get_config("nano-sorter")
    params, history = tr.train_sorter(
        cfg, seed=3, max_steps=40, eval_every=20, stop_when_sorted=False
    )
    inputs = tr.all_sort_inputs()
    fast = tr.sort_correct(params, cfg, inputs)
    out = gpt.generate(params, inputs, cfg, 6)[:, 6:]
    slow = (out == np.sort(inputs, axis=1)).all(axis=1)
    np.testing.assert_array_equal(fast, slow)
    assert 0 < fast.sum() < 729  # a mix, so the comparison means something
    assert history["eval_step"].tolist() == [20, 40]
    assert len(history["loss"]) == 40
    train_idx, test_idx = tr.sort_split()
    assert history["train_correct"][-1] == fast[train_idx].sum()
    assert history["held_out_correct"] == fast[test_idx].sum()
    assert "test_correct" not in history  # held out: measured once, after training


def test_train_sorter_stops_on_the_training_split_alone(monkeypatch):
    """The stop rule reads only training inputs and needs `patience` checks in a row."""
    cfg = gpt.get_config("nano-sorter")
    train_idx, test_idx = tr.sort_split()
    seen = []
    # Pretend every training input is sorted at checks 2, 4, 5 and 6 (not 3).
    script = iter([False, True, False, True, True, True, True])

    def fake_sort_correct(params, cfg, inputs=None):
        seen.append(len(inputs))
        if len(inputs) == len(test_idx):
            return np.zeros(len(inputs), dtype=bool)  # the held-out measurement
        return np.full(len(inputs), next(script))

    monkeypatch.setattr(tr, "sort_correct", fake_sort_correct)
    _, history = tr.train_sorter(cfg, seed=0, max_steps=40, eval_every=5, patience=2)
    assert history["eval_step"].tolist() == [5, 10, 15, 20, 25]
    assert history["train_correct"].tolist() == [0, 547, 0, 547, 547]
    assert history["held_out_correct"] == 0
    # five checks on the 547 training inputs, then one held-out measurement
    assert seen == [len(train_idx)] * 5 + [len(test_idx)]


def test_train_sorter_is_reproducible_from_its_seed():
    cfg = gpt.get_config("nano-sorter")
    runs = [tr.train_sorter(cfg, seed=5, max_steps=15, eval_every=15) for _ in range(2)]
    (p1, h1), (p2, h2) = runs
    np.testing.assert_array_equal(h1["loss"], h2["loss"])
    for name, value in flatten_params(p1).items():
        np.testing.assert_array_equal(value, flatten_params(p2)[name])
    other, _ = tr.train_sorter(cfg, seed=6, max_steps=1)
    assert not np.array_equal(other["wte"], p1["wte"])


def test_train_sorter_rejects_bad_settings():
    with pytest.raises(ValueError, match="vocab_size 3"):
        tr.train_sorter(gpt.get_config("gpt2"), max_steps=1)
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        tr.train_sorter(max_steps=0)
    with pytest.raises(ValueError, match="patience must be >= 1"):
        tr.train_sorter(patience=0)


def _torch_loss(torch, params, ids, targets, cfg):
    """Independent oracle: the same GPT written with torch ops, autograd for grads."""
    F = torch.nn.functional
    C, H = cfg.n_embd, cfg.n_head
    T = ids.shape[-1]
    leaves = {
        name: torch.tensor(value, requires_grad=True)
        for name, value in flatten_params(params).items()
    }
    ids_t, tgt_t = torch.tensor(ids), torch.tensor(targets)

    def lin(x, name):
        y = x @ leaves[f"{name}.weight"]
        bias = leaves.get(f"{name}.bias")
        return y if bias is None else y + bias

    def ln(x, name):
        return F.layer_norm(
            x, (C,), leaves[f"{name}.weight"], leaves.get(f"{name}.bias"), 1e-5
        )

    x = leaves["wte"][ids_t] + leaves["wpe"][:T]
    for i in range(cfg.n_layer):
        q, k, v = lin(ln(x, f"h.{i}.ln_1"), f"h.{i}.attn.c_attn").split(C, dim=-1)
        q, k, v = (t.view(-1, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(-1, T, C)  # (B, H, T, D) -> (B, T, C)
        x = x + lin(y, f"h.{i}.attn.c_proj")
        hid = F.gelu(lin(ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc"), approximate="tanh")
        x = x + lin(hid, f"h.{i}.mlp.c_proj")
    head = leaves["wte"] if cfg.tied_head else leaves["lm_head"]
    logits = ln(x, "ln_f") @ head.T
    loss = F.cross_entropy(
        logits.reshape(-1, cfg.vocab_size), tgt_t.reshape(-1), ignore_index=-1
    )
    loss.backward()
    return loss.item(), {name: t.grad.numpy() for name, t in leaves.items()}


@pytest.mark.oracle
@pytest.mark.parametrize("cfg", SMALL_CONFIGS, ids=["untied+bias", "tied-no-bias"])
def test_gradients_match_torch_autograd(cfg, rng):
    torch = pytest.importorskip("torch", reason="torch autograd is the oracle")
    params = _random_params(cfg, rng)
    ids = rng.integers(0, cfg.vocab_size, size=(4, cfg.block_size))
    targets = rng.integers(-1, cfg.vocab_size, size=(4, cfg.block_size))
    targets[0, 0] = 0
    loss, grads = tr.loss_and_grads(params, ids, targets, cfg)
    ref_loss, ref_grads = _torch_loss(torch, params, ids, targets, cfg)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    for name, g in flatten_params(grads).items():
        np.testing.assert_allclose(g, ref_grads[name], rtol=1e-7, atol=1e-10)


@pytest.mark.oracle
def test_gradients_match_torch_autograd_with_several_query_blocks(monkeypatch, rng):
    """Blocks of 4 query rows on 6 tokens: a full block and a short one."""
    torch = pytest.importorskip("torch", reason="torch autograd is the oracle")
    monkeypatch.setattr(tr, "QUERY_BLOCK", 4)
    cfg = SMALL_CONFIGS[0]
    params = _random_params(cfg, rng)
    ids = rng.integers(0, cfg.vocab_size, size=(3, cfg.block_size))
    targets = rng.integers(0, cfg.vocab_size, size=(3, cfg.block_size))
    loss, grads = tr.loss_and_grads(params, ids, targets, cfg)
    ref_loss, ref_grads = _torch_loss(torch, params, ids, targets, cfg)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    for name, g in flatten_params(grads).items():
        np.testing.assert_allclose(g, ref_grads[name], rtol=1e-7, atol=1e-10)
