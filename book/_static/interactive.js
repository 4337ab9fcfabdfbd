/* Interactive figures of the HTML book (nanogpt_lib.interactive).
 *
 * Each <div class="interactive-figure"> holds JSON that the notebook computed in
 * numpy: labelled controls, and one frame of bar heights (plus a line of text) for
 * every combination of control positions. This script builds the controls (native
 * range inputs and selects: keyboard-operable, labelled), draws the frame as SVG and
 * redraws it as a control moves. It hides the still PNG that the same cell shows
 * (kept for print and for readers without scripts). No library, no network.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  // Drawing units; a phone-wide box gets a narrower drawing, so text stays readable.
  var WIDE = 640, NARROW = 380, H = 300, LEFT = 56, RIGHT = 12, TOP = 16, BOTTOM = 64;

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(x, digits) {
    return Number(x).toFixed(digits).replace(/\.?0+$/, "").replace(/^-0$/, "0");
  }

  function hideStillImage(box) {
    // The cell's PNG output sits next to this one: hide it while we draw.
    var cell = box.closest(".cell_output");
    if (!cell) return;
    var images = cell.querySelectorAll("img");
    for (var i = 0; i < images.length; i++) {
      images[i].classList.add("interactive-still");
    }
  }

  function draw(svg, spec, frame, W) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var lo = spec.y.min, hi = spec.y.max;
    frame.v.forEach(function (row) {
      row.forEach(function (v) { lo = Math.min(lo, v); hi = Math.max(hi, v); });
    });
    var plotH = H - TOP - BOTTOM, plotW = W - LEFT - RIGHT;
    var y = function (v) { return TOP + plotH * (hi - v) / (hi - lo); };
    var categories = frame.c || spec.categories;  // a frame may name its own bars
    var n = Math.max(1, categories.length), s = spec.series.length;
    var slot = plotW / n, bar = Math.min(48, (slot * 0.8) / s);
    svg.appendChild(el("line", { x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0),
      "class": "ix-axis" }));
    for (var t = 0; t <= 4; t++) {
      var v = lo + (hi - lo) * t / 4;
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end",
        "class": "ix-tick" }, fmt(v, 2)));
    }
    svg.appendChild(el("text", { x: 12, y: TOP + plotH / 2, "class": "ix-label",
      "text-anchor": "middle", transform: "rotate(-90 12 " + (TOP + plotH / 2) + ")" },
      spec.y.label));
    categories.forEach(function (name, i) {
      var cx = LEFT + slot * (i + 0.5);
      frame.v.forEach(function (row, j) {
        var v = row[i], x = cx - (bar * s) / 2 + j * bar;
        var top = Math.min(y(v), y(0)), height = Math.abs(y(v) - y(0));
        var rect = el("rect", { x: x, y: top, width: Math.max(1, bar - 2),
          height: Math.max(0.5, height), fill: spec.colors[j] || "#0072B2",
          "class": "ix-bar" });
        rect.appendChild(el("title", {}, spec.series[j] + ", " + name + ": " +
          fmt(v, spec.digits)));
        svg.appendChild(rect);
        svg.appendChild(el("text", { x: x + (bar - 2) / 2, y: (v >= 0 ? top - 3 : top +
          height + 10), "text-anchor": "middle", "class": "ix-value",
          "data-series": j, "data-category": i }, fmt(v, spec.digits)));
      });
      var turn = slot < 70 && name.length > 3;  // long names on narrow slots: slant
      var ty = H - BOTTOM + 16;
      svg.appendChild(el("text", { x: cx, y: ty, "text-anchor": turn ? "end" : "middle",
        transform: turn ? "rotate(-30 " + cx + " " + ty + ")" : "",
        "class": "ix-category" }, name));
    });
    if (s > 1) {
      spec.series.forEach(function (name, j) {
        var lx = LEFT + j * 120;
        svg.appendChild(el("rect", { x: lx, y: H - 22, width: 12, height: 12,
          fill: spec.colors[j] }));
        svg.appendChild(el("text", { x: lx + 18, y: H - 12, "class": "ix-legend" },
          name));
      });
    }
  }

  // cividis (perceptually uniform, colour-blind safe), sampled at five stops
  var CIVIDIS = [[0, 34, 78], [64, 77, 107], [124, 123, 120], [188, 175, 111],
    [253, 231, 55]];

  function cividis(t) {
    t = Math.max(0, Math.min(1, t)) * (CIVIDIS.length - 1);
    var i = Math.min(CIVIDIS.length - 2, Math.floor(t)), f = t - i;
    var a = CIVIDIS[i], b = CIVIDIS[i + 1];
    return "rgb(" + [0, 1, 2].map(function (k) {
      return Math.round(a[k] + (b[k] - a[k]) * f);
    }).join(",") + ")";
  }

  function drawHeatmap(svg, spec, frame, W) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var names = frame.c || spec.categories, n = names.length;
    var left = 70, top = 8, bottom = 70;
    var side = Math.min(W - left - 8, H - top - bottom) / n;
    var lo = spec.y.min, hi = spec.y.max;
    frame.v.forEach(function (row, r) {
      row.forEach(function (v, c) {
        var x = left + c * side, y = top + r * side;
        var cell = el("rect", { x: x, y: y, width: side, height: side,
          fill: cividis((v - lo) / (hi - lo || 1)), "class": "ix-cell" });
        cell.appendChild(el("title", {}, "query " + names[r] + ", key " + names[c] +
          ": " + fmt(v, spec.digits)));
        svg.appendChild(cell);
        svg.appendChild(el("text", { x: x + side / 2, y: y + side / 2 + 3,
          "text-anchor": "middle",
          // too small to read a number in: the cell's tooltip and the caption say it
          "class": "ix-value ix-cell-value" + (side < 16 ? " ix-too-small" : ""),
          style: "fill:" + ((v - lo) / (hi - lo || 1) > 0.6 ? "#000" : "#fff") },
          fmt(v, spec.digits)));
      });
      svg.appendChild(el("text", { x: left - 4, y: top + (r + 0.5) * side + 4,
        "text-anchor": "end", "class": "ix-category" }, names[r]));
    });
    names.forEach(function (name, c) {
      var cx = left + (c + 0.5) * side, ty = top + n * side + 12;
      svg.appendChild(el("text", { x: cx, y: ty, "text-anchor": "middle",
        "class": "ix-category" }, name));
    });
    svg.appendChild(el("text", { x: left, y: H - 8, "class": "ix-label" },
      spec.y.label));
  }

  var TOKEN_COLOURS = ["#cce3f0", "#f8e5bf", "#bfe7dc", "#f0d7e6", "#d5ecfb",
    "#f5d0b8"];  // light Okabe-Ito tints, dark text on top

  function drawTokens(svg, spec, frame, W) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var x = 4, y = 6, rowH = 40, pad = 6, charW = 7.6;
    frame.c.forEach(function (piece, i) {
      var w = Math.max(22, piece.length * charW + 2 * pad);
      if (x + w > W - 4 && x > 4) { x = 4; y += rowH; }
      var rect = el("rect", { x: x, y: y, width: w - 2, height: 20, rx: 3,
        style: "fill:" + TOKEN_COLOURS[i % TOKEN_COLOURS.length], "class": "ix-token" });
      rect.appendChild(el("title", {}, piece + " = " + frame.v[0][i]));
      svg.appendChild(rect);
      svg.appendChild(el("text", { x: x + (w - 2) / 2, y: y + 14, "text-anchor": "middle",
        "class": "ix-piece", style: "fill:#000" }, piece));
      svg.appendChild(el("text", { x: x + (w - 2) / 2, y: y + 31, "text-anchor": "middle",
        "class": "ix-value ix-id" }, String(frame.v[0][i])));
      x += w;
    });
    svg.setAttribute("viewBox", "0 0 " + W + " " + Math.max(60, y + rowH + 4));
  }

  function setup(box, index) {
    var data = box.querySelector("script.interactive-data");
    if (!data || box.dataset.ready) return;
    var spec = JSON.parse(data.textContent);
    box.dataset.ready = "1";
    hideStillImage(box);
    var note = box.querySelector(".interactive-note");
    if (note) note.hidden = true;
    var live = document.createElement("figure");
    live.className = "interactive-live";
    var form = document.createElement("div");
    form.className = "interactive-controls";
    var positions = spec.controls.map(function (c) { return c.start; });
    var inputs = [];
    spec.controls.forEach(function (c, k) {
      var id = box.id + "-" + c.name;
      var row = document.createElement("div");
      row.className = "interactive-control";
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.textContent = c.label;
      row.appendChild(label);
      var input;
      if (c.kind === "select") {
        input = document.createElement("select");
        c.shown.forEach(function (text, i) {
          var option = document.createElement("option");
          option.value = String(i);
          option.textContent = text;
          input.appendChild(option);
        });
        input.value = String(c.start);
      } else {
        input = document.createElement("input");
        input.type = "range";
        input.min = "0";
        input.max = String(c.shown.length - 1);
        input.step = "1";
        input.value = String(c.start);
      }
      input.id = id;
      input.dataset.control = c.name;
      var out = document.createElement("output");
      out.setAttribute("for", id);
      row.appendChild(input);
      if (c.kind !== "select") row.appendChild(out);  // a menu shows its own value
      form.appendChild(row);
      inputs.push([input, out, c, k]);
    });
    var W = box.clientWidth && box.clientWidth < 520 ? NARROW : WIDE;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img",
      "class": "interactive-svg" });
    var caption = document.createElement("figcaption");
    caption.className = "interactive-caption";
    caption.setAttribute("aria-live", "polite");
    live.appendChild(form);
    live.appendChild(svg);
    live.appendChild(caption);
    box.appendChild(live);

    function update() {
      var index = 0;
      spec.controls.forEach(function (c, k) {
        index = index * c.shown.length + positions[k];
      });
      var frame = spec.frames[index];
      inputs.forEach(function (item) {
        var text = item[2].shown[positions[item[3]]];
        item[1].textContent = text;
        if (item[0].type === "range") item[0].setAttribute("aria-valuetext", text);
      });
      var painter = { heatmap: drawHeatmap, tokens: drawTokens }[spec.kind] || draw;
      painter(svg, spec, frame, W);
      svg.setAttribute("aria-label", spec.title + ". " + frame.t);
      caption.textContent = frame.t;
      box.dataset.frame = String(index);
    }
    inputs.forEach(function (item) {
      var handler = function () {
        positions[item[3]] = Number(item[0].value);
        update();
      };
      item[0].addEventListener("input", handler);
      item[0].addEventListener("change", handler);
    });
    update();
  }

  function start() {
    var boxes = document.querySelectorAll(".interactive-figure");
    for (var i = 0; i < boxes.length; i++) setup(boxes[i], i);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
