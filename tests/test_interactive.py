"""Interactive figures: the numbers in the page are the notebook's numbers.

Unit tests check each explorer's precomputed frames against the library functions
the notebooks call, and that the HTML is byte-stable. Browser tests open a page
holding every explorer with book/_static/interactive.js, move every control from the
keyboard and check that the figure redraws with exactly the stored numbers; then they
move every control on every chapter page of the built book. No JavaScript error, no
request off the machine.
"""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pytest
from browser_support import (
    CHROMIUM_FLAGS,
    ROOT,
    Watch,
    build_book,
    chapter_pages,
    require_chromium,
    serve,
)

from nanogpt_lib.gpt import forward
from nanogpt_lib.interactive import (
    attention_row_figure,
    figure_html,
    head_figure,
    neighbour_figure,
    neuron_figure,
    parameter_figure,
    sampling_figure,
    sorter_figure,
    sorter_sampling_figure,
    token_figure,
)
from nanogpt_lib.interactive.gpt import all_inputs
from nanogpt_lib.interactive.mlp import neuron_values
from nanogpt_lib.interactive.params import config_for
from nanogpt_lib.interactive.softmax import sampling_probs
from nanogpt_lib.params import KINDS, by_kind, count_params, gpt2_groups
from nanogpt_lib.softmax import softmax, top_k_logits, top_p_logits
from nanogpt_lib.sorter import load_sorter
from nanogpt_lib.widgets.gpt import sorter_steps
from nanogpt_lib.word_vectors import WordVectors, most_similar

LOGITS = np.array([3.1, 2.4, 1.9, 0.7, 0.2, -0.4, -1.3, -2.2], dtype=np.float32)
LABELS = [" the", " a", " to", " and", "\n", " of", "!", "\u4e16"]


def _neuron_setup():
    rng = np.random.default_rng(0)
    c, f = 8, 4
    q, _ = np.linalg.qr(rng.standard_normal((c, 2)))
    directions = {"Michael": q[:, 0], "Jordan": q[:, 1]}
    p = {
        "c_fc": {
            "weight": rng.standard_normal((c, f)).astype(np.float32),
            "bias": np.zeros(f, dtype=np.float32),
        },
        "c_proj": {"weight": rng.standard_normal((f, c)).astype(np.float32)},
    }
    return p, directions


class _Words:
    """A toy tokenizer: one token per word, the space kept in front."""

    def __init__(self):
        self.vocab: dict[str, int] = {}

    def encode(self, text, disallowed_special=()):
        words = re.findall(r" ?[^ ]+", text)
        return [self.vocab.setdefault(w, len(self.vocab)) for w in words]

    def tokens(self, ids):
        inverse = {i: w for w, i in self.vocab.items()}
        return [inverse[i].encode("utf-8") for i in ids]


def test_token_frames_are_the_tokenizers_ids_and_pieces():
    tok = _Words()
    spec = token_figure({"words": tok}, ["to be or not to be", "hi"])
    frame = spec.frames[spec.frame_index([0, 0])]
    assert frame["v"] == [[0, 1, 2, 3, 4, 1]]
    assert frame["c"] == [
        "to",
        "\u2423be",
        "\u2423or",
        "\u2423not",
        "\u2423to",
        "\u2423be",
    ]
    assert frame["t"] == "words: 6 tokens for 18 bytes"


def _word_vectors():
    rng = np.random.default_rng(1)
    words = tuple(f"w{i}" for i in range(20))
    vectors = rng.standard_normal((20, 6)).astype(np.float32)
    return WordVectors(words, vectors, np.ones(20, dtype=np.int64))


def test_neighbour_frames_name_and_measure_the_nearest_words():
    wv = _word_vectors()
    spec = neighbour_figure(wv, ["w3", "w7"], word="w7", k=5)
    assert [c.start for c in spec.controls] == [1, 4]
    frame = spec.frames[spec.frame_index([1, 4])]
    pairs = most_similar(wv, "w7", 5)
    assert frame["c"] == [w for w, _ in pairs]
    np.testing.assert_allclose(frame["v"][0], [s for _, s in pairs], atol=5e-4)
    assert len(spec.frames[spec.frame_index([0, 0])]["c"]) == 1
    with pytest.raises(ValueError, match="vocabulary"):
        neighbour_figure(wv, ["nope"])


# --- chapters 01 and 02: the figure in the executed notebook shows its printed numbers


def _notebook_figure(stem: str, title: str) -> tuple[dict, str]:
    """The stored data of a chapter's interactive figure and its cell's printed text."""
    notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            page = "".join(output.get("data", {}).get("text/html", ""))
            if f'data-title="{title}"' in page:
                body = page.split('class="interactive-data">')[1].split("</script>")[0]
                printed = "".join(
                    "".join(o.get("text", "")) for o in cell["outputs"]
                    if o.get("output_type") == "stream"
                )  # fmt: skip
                return json.loads(body.replace("<\\/", "</")), printed
    raise AssertionError(f"{stem}: no interactive figure {title!r}")


def test_chapter_01_token_figure_counts_are_the_printed_counts():
    data, printed = _notebook_figure("01_tokenization", "Tokenizer playground")
    texts, names = (c["shown"] for c in data["controls"])
    rows = printed.strip().splitlines()[1:]  # header, then one row per text
    assert len(rows) == len(texts) == 8 and len(names) == 3
    for t, row in enumerate(rows):
        counts = [int(n) for n in row.split()[-3:]]
        for k, name in enumerate(names):
            frame = data["frames"][t * len(names) + k]
            assert len(frame["v"][0]) == len(frame["c"]) == counts[k], (row, name)
            assert frame["t"].startswith(f"{name}: {counts[k]} tokens for ")
    # Macbeth's line: 13 tokens under the book's BPE, 10 under cl100k (ex-01)
    macbeth = texts.index("Is this a dagger which I see before me,")
    assert [int(n) for n in rows[macbeth].split()[-3:]] == [13, 13, 10]


def test_chapter_02_neighbour_figure_is_the_printed_neighbours():
    title = "Nearest neighbours by cosine similarity"
    data, _ = _notebook_figure("02_embeddings", title)
    words, ks = (c["shown"] for c in data["controls"])
    assert data["controls"][0]["start"] == words.index("sword")
    notebook = json.loads(
        (ROOT / "notebooks" / "02_embeddings.ipynb").read_text("utf-8")
    )
    source = next(
        "".join(o.get("text", ""))
        for c in notebook["cells"]
        if "most_similar(wv, word, 5)" in "".join(c["source"])
        for o in c["outputs"]
    )
    checked = 0
    for line in source.strip().splitlines():
        word, rest = (part.strip() for part in line.split(":", 1))
        pairs = [item.rsplit(" ", 1) for item in rest.split(", ")]
        frame = data["frames"][words.index(word) * len(ks) + ks.index("5")]
        assert frame["c"] == [w for w, _ in pairs], word
        for value, (_, shown) in zip(frame["v"][0], pairs, strict=True):
            assert abs(value - float(shown)) <= 0.0051, (word, value, shown)
        checked += 1
    assert checked == 9  # every probe word of the chapter's table


def _patterns():
    cfg, params = load_sorter()
    ids = np.array([2, 1, 0, 1, 1, 2])
    trace: dict = {}
    forward(params, ids, cfg, trace=trace)
    return np.stack(
        [trace[f"h.{i}.attn.pattern"] for i in range(cfg.n_layer)]
    )  # (L, H, T, T)


def test_head_frames_are_the_traced_patterns():
    patterns = _patterns()
    labels = list("CBABBC")
    spec = head_figure(patterns, labels, layer=2, head=1)
    assert spec.kind == "heatmap" and [c.start for c in spec.controls] == [2, 1]
    for layer, head in [(0, 0), (2, 1), (1, 2)]:
        frame = spec.frames[spec.frame_index([layer, head])]
        np.testing.assert_allclose(frame["v"], patterns[layer, head], atol=5e-3)
        assert np.triu(np.array(frame["v"]), 1).sum() == 0  # causal
    with pytest.raises(ValueError, match="labels"):
        head_figure(patterns, labels[:3])


def _pattern():
    return np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0.2, 0.5, 0.3]])


def test_attention_rows_are_the_patterns_rows():
    spec = attention_row_figure(_pattern(), ["The", " small", " cat"], query=1)
    assert spec.controls[0].start == 1
    assert [f["v"][0] for f in spec.frames] == _pattern().tolist()
    assert spec.frames[1]["t"] == (
        "query 1 '\u2423small' looks most at key 1 '\u2423small' (0.750); "
        "keys after it get 0"
    )
    with pytest.raises(ValueError, match="shape"):
        attention_row_figure(_pattern(), ["a", "b"])


# --- chapter 05: the Shakespeare model's heads, the notebook's own patterns ----------


def _chapter_05_head_figure() -> tuple[dict, str]:
    """The stored data of chapter 05's head explorer and its cell's printed line."""
    path = ROOT / "notebooks" / "05_multihead_attention.ipynb"
    for cell in json.loads(path.read_text("utf-8"))["cells"]:
        pages = [
            "".join(o.get("data", {}).get("text/html", ""))
            for o in cell.get("outputs", [])
        ]
        page = next((p for p in pages if "Attention pattern of one head" in p), "")
        if page:
            body = page.split('class="interactive-data">')[1].split("</script>")[0]
            printed = "".join(
                "".join(o.get("text", "")) for o in cell["outputs"] if "text" in o
            )
            return json.loads(body.replace("<\\/", "</")), printed
    raise AssertionError("chapter 05 shows no head explorer")


def test_chapter_05_head_figure_is_the_shakespeare_models_patterns():
    """Every frame is the pattern the model computes on the passage's first line, and
    the figure starts on the head the notebook printed."""
    from nanogpt_lib import interpretability as interp
    from nanogpt_lib.shakespeare import load_model

    data, printed = _chapter_05_head_figure()
    cfg, params, chars = load_model()
    passage = "MACBETH:\nSo foul and fair a day I have not seen.\n"
    line = "MACBETH:\nSo foul and fair a day"
    t = len(line)
    assert data["categories"] == [c if c != "\n" else "\\n" for c in line]
    from nanogpt_lib.checkpoint import flatten_params, unflatten_params

    flat64 = {k: v.astype(np.float64) for k, v in flatten_params(params).items()}
    params = unflatten_params(flat64, cfg)  # as the chapter: float64 weights
    full = interp.attention_patterns(params, np.array(chars.encode(passage)), cfg)
    alone = interp.attention_patterns(params, np.array(chars.encode(line)), cfg)
    layers, heads = (c["shown"] for c in data["controls"])
    assert len(layers) == cfg.n_layer and len(heads) == cfg.n_head
    for layer in range(cfg.n_layer):
        for head in range(cfg.n_head):
            frame = np.array(data["frames"][layer * cfg.n_head + head]["v"])
            # the notebook's corner of the passage's patterns, to 2 decimals
            np.testing.assert_array_equal(
                frame, np.round(full[layer, head, :t, :t].astype(np.float64), 2)
            )
            # causal: the line on its own gives the same rows
            np.testing.assert_allclose(frame, alone[layer, head], atol=5e-3 + 1e-5)
    start = [c["start"] for c in data["controls"]]
    assert printed.startswith(f"starting on layer {start[0]}, head {start[1]}:")


# --- chapter 04: a head of the Shakespeare model, the notebook's own pattern --------


def _chapter_04_model_head_figure() -> tuple[dict, str]:
    """Chapter 04's figure of the Shakespeare model's layer 1, head 1 (the chapter's
    other row figure is the hand-built head), and the printed line before it."""
    path = ROOT / "notebooks" / "04_attention.ipynb"
    printed = ""
    for cell in json.loads(path.read_text("utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            printed += "".join(output.get("text", ""))
            page = "".join(output.get("data", {}).get("text/html", ""))
            if 'data-title="Attention weights of one query"' not in page:
                continue
            body = page.split('class="interactive-data">')[1].split("</script>")[0]
            data = json.loads(body.replace("<\\/", "</"))
            if data["categories"][:2] == ["0: M", "1: A"]:  # "MACBETH:", one per char
                return data, printed
    raise AssertionError("chapter 04 shows no figure of the Shakespeare model's head")


def test_chapter_04_model_head_figure_is_the_models_pattern():
    """Every frame is the row the model computes for that query, the figure starts on
    the second 'g' of 'dagger', and the distances printed above it are its argmaxes."""
    from nanogpt_lib import interpretability as interp
    from nanogpt_lib.shakespeare import load_model

    data, printed = _chapter_04_model_head_figure()
    cfg, params, chars = load_model()
    line = "MACBETH:\nIs this a dagger which I see before me,"
    pattern = interp.attention_patterns(params, np.array(chars.encode(line)), cfg)[1, 1]
    frames = np.array([frame["v"][0] for frame in data["frames"]])
    assert frames.shape == (len(line), len(line))
    np.testing.assert_allclose(frames, pattern.astype(np.float64), atol=5e-4 + 1e-9)
    assert data["controls"][0]["start"] == line.index("gg") + 1
    back = np.arange(len(line)) - frames.argmax(axis=-1)
    counts = dict(enumerate(np.bincount(back).tolist()))
    assert f"characters back to the top key: {counts}" in printed


@functools.cache
def _sorter_figures():
    cfg, params = load_sorter()
    return sorter_figure(cfg, params), sorter_sampling_figure(cfg, params)


def _figures():
    p, directions = _neuron_setup()
    return {
        "sampling": sampling_figure(LOGITS, LABELS),
        "neuron": neuron_figure(p, directions, neuron=1),
        "parameters": parameter_figure(),
        "attention": attention_row_figure(_pattern(), ["The", " small", " cat"]),
        "neighbours": neighbour_figure(_word_vectors(), ["w1", "w2", "w3"], k=4),
        "heads": head_figure(_patterns(), list("CBABBC")),
        "tokens": token_figure({"a": _Words(), "b": _Words()}, ["one two", "x y z"]),
        "sorter": _sorter_figures()[0],
        "sorter sampling": _sorter_figures()[1],
    }


# --- the data -----------------------------------------------------------------------


def test_sampling_frames_are_the_librarys_distributions():
    spec = sampling_figure(LOGITS, LABELS)
    t_values, k_values, p_values = (c.values for c in spec.controls)
    assert t_values[0] == 0 and t_values[-1] == 2.0 and len(t_values) == 21
    assert k_values == tuple(range(1, 9)) and p_values[-1] == 1.0
    for t, k, p in [(1.0, 8, 1.0), (0.5, 3, 1.0), (1.5, 8, 0.7), (0.0, 8, 1.0)]:
        pos = [t_values.index(t), k_values.index(k), p_values.index(p)]
        stored = spec.frames[spec.frame_index(pos)]["v"][0]
        if t == 0:
            expected = np.eye(8)[np.argmax(LOGITS)]
        else:
            arr = top_k_logits(LOGITS, k) if k < 8 else LOGITS
            arr = arr / np.float32(t)
            expected = softmax(top_p_logits(arr, p) if p < 1 else arr)
        np.testing.assert_allclose(stored, expected, atol=5e-4)
        np.testing.assert_allclose(stored, sampling_probs(LOGITS, t, k, p), atol=5e-4)
    # T = 1, nothing filtered: the chapter's softmax, rounded to 3 decimals
    home = spec.frames[spec.frame_index([10, 7, 6])]
    assert home["v"][0] == [round(float(x), 3) for x in softmax(LOGITS)]
    assert home["t"].startswith("8 of 8 tokens can be drawn; most likely '\u2423the'")


def test_top_k_one_leaves_only_the_best_token():
    spec = sampling_figure(LOGITS, LABELS)
    frame = spec.frames[spec.frame_index([10, 0, 6])]
    assert frame["v"][0] == [1] + [0] * 7
    assert frame["t"].startswith("1 of 8 tokens")


def test_parameter_frames_match_count_params():
    spec = parameter_figure()
    families, layers, widths = (c.values for c in spec.controls)
    frame = spec.frames[spec.frame_index([1, layers.index(96), widths.index(12288)])]
    cfg = config_for(families[1], 96, 12288)
    n = count_params(cfg)
    kinds = by_kind(gpt2_groups(cfg))
    assert f"{n:,} parameters" in frame["t"]
    np.testing.assert_allclose(
        frame["v"][0], [kinds.get(k, 0) / n for k in KINDS], atol=5e-5
    )
    # GPT-2 small: 12 layers, width 768 -> 124,439,808 (tied embeddings)
    small = spec.frames[spec.frame_index([0, layers.index(12), widths.index(768)])]
    assert "124,439,808 parameters" in small["t"]


def test_neuron_frames_match_the_widgets_arithmetic():
    p, directions = _neuron_setup()
    spec = neuron_figure(p, directions, neuron=1)
    assert [c.name for c in spec.controls] == ["activation", "amount0", "amount1"]
    for activation, a, b in [("GELU", 1.0, 0.0), ("ReLU", 0.3, 1.5), ("GELU", 0, 0)]:
        pos = [
            ("GELU", "ReLU").index(activation),
            spec.controls[1].values.index(a),
            spec.controls[2].values.index(b),
        ]
        frame = spec.frames[spec.frame_index(pos)]
        pre, post, before, after = neuron_values(
            p, directions, {"Michael": a, "Jordan": b}, neuron=1, activation=activation
        )
        np.testing.assert_allclose(frame["v"][0], [pre, *before], atol=5e-3)
        np.testing.assert_allclose(frame["v"][1], [post, *after], atol=5e-3)
        if activation == "ReLU":
            assert frame["v"][1][0] >= 0


def test_sorter_frames_are_chapter_00s_greedy_steps():
    cfg, params = load_sorter()
    spec = _sorter_figures()[0]
    assert len(spec.frames) == 729 == len(all_inputs())
    for letters in ["CBABBC", "AAAAAA", "CABBAC", "BCCAAB"]:
        pos = ["ABC".index(ch) for ch in letters]
        frame = spec.frames[spec.frame_index(pos)]
        ids = np.array(["ABC".index(ch) for ch in letters])
        _, probs, chosen = sorter_steps(params, cfg, ids)  # the widget's float32 path
        np.testing.assert_allclose(np.array(frame["v"]).T, probs, atol=1.5e-3)
        generated = "".join("ABC"[c] for c in chosen)
        assert frame["t"].startswith(f"{letters} -> {generated} (sorted correctly)")
    # the trained sorter sorts every one of its 729 inputs
    assert not [f["t"] for f in spec.frames if "WRONG" in f["t"]]


def test_sorter_sampling_at_temperature_zero_is_certain():
    spec = _sorter_figures()[1]
    frame = spec.frames[spec.frame_index([0, 0, 2])]
    assert frame["t"] == "CBABBC -> ABBBCC: P(all six right) = 1.000"
    assert sorted(set(v for row in frame["v"] for v in row)) == [0, 1]


# --- chapter 07: temperature and top-k on the sorter, the chapter's numbers ----------


def test_chapter_07_sampling_figure_is_the_chapters_arithmetic_and_output():
    """The bars are the chapter's softmax(top_k_logits(out_logits), T) for each input,
    the caption the product of the right letters' chances; the notebook shows it."""
    from nanogpt_lib.train import all_sort_inputs

    cfg, params = load_sorter()
    spec = _sorter_figures()[1]
    inputs = all_sort_inputs()
    target = np.sort(inputs, axis=1)
    seq11 = np.concatenate([inputs, target[:, :-1]], axis=1)  # as in the chapter
    out_logits = forward(params, seq11, cfg)[:, 5:]  # (729, 6, V)
    letters_v, temps, ks = (c.values for c in spec.controls)
    for letters in letters_v:
        row = int("".join(str("ABC".index(ch)) for ch in letters), 3)  # base 3
        for t, k in [(1.0, 3), (0.5, 2), (2.0, 3), (3.0, 1)]:
            pos = [letters_v.index(letters), temps.index(t), ks.index(k)]
            frame = spec.frames[spec.frame_index(pos)]
            probs = softmax(top_k_logits(out_logits[row], k), temperature=t)
            np.testing.assert_allclose(np.array(frame["v"]).T, probs, atol=1.5e-3)
            right = float(np.prod(probs[np.arange(6), target[row]]))
            shown = float(frame["t"].rsplit("= ", 1)[1])
            assert abs(shown - right) < 1.5e-3, (letters, t, k, frame["t"])
    notebook = json.loads((ROOT / "notebooks" / "07_gpt.ipynb").read_text("utf-8"))
    pages = [
        "".join(o["data"]["text/html"])
        for cell in notebook["cells"]
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert figure_html(spec) in pages


def test_html_is_byte_stable_and_safe():
    first = {name: figure_html(spec) for name, spec in _figures().items()}
    second = {name: figure_html(spec) for name, spec in _figures().items()}
    assert first == second
    for text in first.values():
        assert not re.search(r"-0(\.0+)?[,\]]", text), "a negative zero is stored"
        assert "NaN" not in text and "Infinity" not in text
        body = text.split('class="interactive-data">')[1].split("</script>")[0]
        json.loads(body)  # the data is valid JSON, unbroken by the markup
        assert text.isascii()


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="V labels"):
        sampling_figure(LOGITS, LABELS[:3])
    p, directions = _neuron_setup()
    with pytest.raises(ValueError, match="inputs must be names"):
        neuron_figure(p, directions, inputs=("Bird",))


# --- in the browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    chromium = require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """A page with every explorer, the book's script and style, and a stand-in PNG."""
    folder = tmp_path_factory.mktemp("interactive")
    static = ROOT / "book" / "_static"
    for name in ("interactive.js", "interactive.css"):
        (folder / name).write_bytes((static / name).read_bytes())
    figures = _figures()
    cells = "".join(
        f'<div class="cell_output"><img src="still.png" alt="still {name}">'
        f'<div class="output text_html">{figure_html(spec)}</div></div>\n'
        for name, spec in figures.items()
    )
    (folder / "still.png").write_bytes(b"")
    (folder / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<title>gallery</title><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="interactive.css">'
        '<script defer src="interactive.js"></script></head>'
        f"<body><main>{cells}</main></body></html>",
        encoding="utf-8",
    )
    return serve(folder), figures


def _shown_numbers(page, box_id: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#{box_id} .ix-value", "els => els.map(e => e.textContent)"
    )


def _fmt(x: float, digits: int) -> str:
    text = f"{x:.{digits}f}"
    text = re.sub(r"\.?0+$", "", text) if "." in text else text
    return "0" if text == "-0" else text


def test_every_control_redraws_with_the_stored_numbers(browser, gallery):
    url, figures = gallery
    page = browser.new_page()
    page.set_default_timeout(120_000)
    watch = Watch(page)
    page.goto(url + "/index.html", wait_until="load")
    page.wait_for_selector(".interactive-live")
    moved = 0
    for spec in figures.values():
        box = page.locator(".interactive-figure", has=page.locator(".interactive-live"))
        box_id = [
            b.get_attribute("id")
            for b in box.all()
            if b.get_attribute("data-title") == spec.title
        ][0]
        assert (
            page.locator(f"#{box_id}").evaluate(
                "b => getComputedStyle(b.closest('.cell_output').querySelector('img'))"
                ".display"
            )
            == "none"
        ), "the still image stays visible next to the live figure"
        positions = [c.start for c in spec.controls]
        for k, control in enumerate(spec.controls):
            target = page.locator(f"#{box_id}-{control.name}")
            label = page.locator(f"label[for='{box_id}-{control.name}']")
            assert label.inner_text() == control.label
            before = page.locator(f"#{box_id} .interactive-live").inner_html()
            step = -1 if positions[k] == len(control.values) - 1 else 1
            if control.kind == "select":
                target.select_option(str(positions[k] + step))
            else:
                target.focus()
                page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
            positions[k] += step
            frame = spec.frames[spec.frame_index(positions)]
            after = page.locator(f"#{box_id} .interactive-live").inner_html()
            assert after != before, f"{spec.title}: {control.label} changed nothing"
            expected = [_fmt(v, spec.digits) for row in frame["v"] for v in row]
            shown = _shown_numbers(page, box_id)
            # the SVG draws series by category; compare as multisets of strings
            assert sorted(shown) == sorted(expected), (spec.title, control.name)
            caption = page.locator(f"#{box_id} figcaption").inner_text()
            assert caption == frame["t"]
            moved += 1
    page.close()
    assert moved == sum(len(s.controls) for s in figures.values()) == 25
    watch.assert_clean("interactive gallery")


@pytest.mark.parametrize(
    "label, path", chapter_pages(), ids=[p[0] for p in chapter_pages()]
)
def test_every_control_on_every_chapter_page_moves_its_figure(browser, label, path):
    page = browser.new_page()
    page.set_default_timeout(180_000)
    watch = Watch(page)
    page.goto(serve(build_book()) + path, wait_until="load")
    boxes = page.locator(".interactive-figure").all()
    controls = 0
    for box in boxes:
        box.locator(".interactive-live").wait_for()
        for control in box.locator("input[type=range], select").all():
            before = box.locator(".interactive-live").inner_html()
            if control.evaluate("e => e.tagName") == "SELECT":
                count = control.locator("option").count()
                current = int(control.input_value())
                control.select_option(str((current + 1) % count))
            else:
                control.focus()
                at_end = control.evaluate("e => e.value === e.max")
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            assert box.locator(".interactive-live").inner_html() != before, (
                f"{label}: moving {control.get_attribute('id')} changed nothing"
            )
            controls += 1
    page.close()
    watch.assert_clean(label)
    print(f"{label}: {len(boxes)} interactive figures, {controls} controls moved")


# --- chapter 09: the logit-lens explorer ------------------------------------------


@functools.cache
def _lens():
    from nanogpt_lib import shakespeare
    from nanogpt_lib.interactive import lens_figure

    cfg, params, tok = shakespeare.load_model()
    line = "Fair is foul, and foul is fair:\nHover through the fog and filthy air."
    positions = (8, 25, 30, 32)
    return lens_figure(params, cfg, tok, line, positions), line, positions


def _printed_lens_table() -> dict[tuple[int, str], list[tuple[str, float]]]:
    """Chapter 09's printed top-3 table: (position, layer) -> [(char, p), ...]."""
    import ast

    nb = json.loads((ROOT / "notebooks" / "09_looking_inside.ipynb").read_text("utf-8"))
    cell = next(
        c for c in nb["cells"]
        if c["cell_type"] == "code" and "for pos in positions:" in "".join(c["source"])
    )  # fmt: skip
    text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    pairs = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") (\d\.\d\d)""")
    table, pos = {}, None
    for row in text.splitlines():
        if row.startswith("after "):
            prefix = ast.literal_eval(row[len("after ") : row.rindex(" (next:")])
            pos = len(prefix) - 1
            continue
        name = row[:13].strip()
        table[(pos, name)] = [
            (ast.literal_eval(q), float(p)) for q, p in pairs.findall(row[13:])
        ]
    return table


def test_lens_frames_are_the_notebooks_printed_read_outs():
    from nanogpt_lib.interactive.interpretability import char_label

    spec, line, positions = _lens()
    layers = spec.controls[1].shown
    table = _printed_lens_table()
    assert len(table) == len(positions) * len(layers) == len(spec.frames)
    for k, pos in enumerate(positions):
        for j, name in enumerate(layers):
            frame = spec.frames[spec.frame_index([k, j])]
            shown = dict(zip(frame["c"], frame["v"][0], strict=True))
            for ch, p in table[(pos, name)]:
                assert shown[char_label(ch)] == p, (pos, name, ch)
            # the true next character is always a bar, and the caption names it
            assert char_label(line[pos + 1]) in frame["c"]
            assert frame["t"].startswith(f"after {name}: top guess")
    assert [c.start for c in spec.controls] == [0, len(layers) - 1]
    # and the figure stored in the executed chapter is this one
    nb = (ROOT / "notebooks" / "09_looking_inside.ipynb").read_text("utf-8")
    payload = spec.to_json().replace("</", "<\\/")
    assert json.dumps(payload)[1:-1] in nb


def test_lens_frames_are_probabilities_of_the_logit_lens():
    from nanogpt_lib import shakespeare
    from nanogpt_lib.interactive.interpretability import (
        lens_candidates,
        lens_probabilities,
    )
    from nanogpt_lib.interpretability import logit_lens

    spec, line, positions = _lens()
    cfg, params, tok = shakespeare.load_model()
    ids = np.array(tok.encode(line))
    probs = lens_probabilities(params, ids, cfg)
    np.testing.assert_allclose(probs.sum(-1), 1, atol=1e-12)
    last = softmax(forward(params, ids, cfg).astype(np.float64))
    np.testing.assert_allclose(probs[-1], last, atol=1e-5)  # the model's own output
    lens = logit_lens(params, ids, cfg)
    np.testing.assert_array_equal(probs.argmax(-1), lens.argmax(-1))
    for k, pos in enumerate(positions):
        bars = lens_candidates(probs[:, pos], ids[pos + 1])
        for j in range(cfg.n_layer + 1):
            frame = spec.frames[spec.frame_index([k, j])]
            np.testing.assert_allclose(frame["v"][0], probs[j, pos, bars], atol=5e-3)
    with pytest.raises(ValueError, match="positions"):
        from nanogpt_lib.interactive import lens_figure

        lens_figure(params, cfg, tok, "ab", [1])


def test_lens_figure_moves_through_every_position_in_the_browser(
    browser, tmp_path_factory
):
    spec = _lens()[0]
    folder = tmp_path_factory.mktemp("lens")
    static = ROOT / "book" / "_static"
    for name in ("interactive.js", "interactive.css"):
        (folder / name).write_bytes((static / name).read_bytes())
    (folder / "still.png").write_bytes(b"")
    (folder / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<title>lens</title><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="interactive.css">'
        '<script defer src="interactive.js"></script></head><body><main>'
        '<div class="cell_output"><img src="still.png" alt="still lens">'
        f'<div class="output text_html">{figure_html(spec)}</div></div>'
        "</main></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    watch = Watch(page)
    page.goto(serve(folder) + "/index.html", wait_until="load")
    page.wait_for_selector(".interactive-live")
    box_id = page.locator(".interactive-figure").get_attribute("id")
    prompt, layer = spec.controls
    for c in spec.controls:
        label = page.locator(f"label[for='{box_id}-{c.name}']").inner_text()
        assert label == c.label
    slider = page.locator(f"#{box_id}-layer")
    for k in range(len(prompt.values)):
        page.locator(f"#{box_id}-prompt").select_option(str(k))
        slider.focus()
        page.keyboard.press("Home")
        for j in range(len(layer.values)):
            if j:
                page.keyboard.press("ArrowRight")
            frame = spec.frames[spec.frame_index([k, j])]
            shown = _shown_numbers(page, box_id)
            expected = [_fmt(v, spec.digits) for v in frame["v"][0]]
            assert sorted(shown) == sorted(expected), (k, j)
            caption = page.locator(f"#{box_id} figcaption").inner_text()
            assert caption == frame["t"]
    page.close()
    watch.assert_clean("lens explorer")


# --- chapter 00 and appendix A1: the figures in the executed notebooks -------------


def _stored_figure(stem: str, title: str) -> dict:
    """The data of the interactive figure titled `title` in a chapter's outputs."""
    notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            page = "".join(output.get("data", {}).get("text/html", ""))
            if f'data-title="{title}"' in page:
                body = page.split('class="interactive-data">')[1].split("</script>")[0]
                return json.loads(body.replace("<\\/", "</"))
    raise AssertionError(f"{stem}: no interactive figure {title!r}")


def test_chapter_00_sorter_figure_starts_on_the_printed_steps():
    data = _stored_figure(
        "00_big_picture", "The sorter, step by step, on any six letters"
    )
    start = [c["start"] for c in data["controls"]]
    assert "".join("ABC"[i] for i in start) == "CBABBC"
    index = 0
    for pos in start:  # row-major over six menus of three letters
        index = index * 3 + pos
    frame = data["frames"][index]
    notebook = json.loads(
        (ROOT / "notebooks" / "00_big_picture.ipynb").read_text("utf-8")
    )
    printed = next(
        "".join(o.get("text", ""))
        for c in notebook["cells"]
        if "greedy: the most likely token" in "".join(c["source"])
        for o in c["outputs"]
    )
    steps = [line for line in printed.splitlines() if line.startswith("step")]
    assert len(steps) == 6
    for s, line in enumerate(steps):
        shown = [float(v) for v in line.split("[")[1].split("]")[0].split()]
        stored = [frame["v"][letter][s] for letter in range(3)]
        np.testing.assert_allclose(stored, shown, atol=1.5e-3)
    assert frame["t"].startswith("CBABBC -> ABBBCC (sorted correctly)")


def test_appendix_a1_head_figure_is_the_shipped_sorters_patterns():
    data = _stored_figure("A1_training", "Attention pattern of one head")
    assert [c["start"] for c in data["controls"]] == [2, 0]
    assert data["categories"] == [f"{ch}{t}" for t, ch in enumerate("CBABBCABBBC")]
    cfg, params = load_sorter()
    trace: dict = {}
    forward(
        params, np.array(["ABC".index(ch) for ch in "CBABBCABBBC"]), cfg, trace=trace
    )
    for layer in range(cfg.n_layer):
        for head in range(cfg.n_head):
            frame = data["frames"][layer * cfg.n_head + head]
            pattern = trace[f"h.{layer}.attn.pattern"][head]
            np.testing.assert_allclose(frame["v"], pattern, atol=5e-3)
    # the claim of the chapter: heads 0 and 2 of the last layer, writing the two
    # C's (rows 9 and 10), look hardest at the input's first C (column 0)
    for head in (0, 2):
        rows = np.array(data["frames"][2 * cfg.n_head + head]["v"])
        assert rows[9].argmax() == rows[10].argmax() == 0
