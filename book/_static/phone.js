/* Figures on a phone: a wide figure squeezed into a 390 px column has unreadable
 * labels. Below 600 px, a still figure wider than 1.4 x the column is shown at 3/4 of
 * its natural size inside a box that scrolls sideways (focusable, so it scrolls from
 * the keyboard too); everywhere else figures fit the column as before.
 */
(function () {
  "use strict";
  var NARROW = 600;

  function widen(img) {
    var box = img.parentElement;
    if (!box || box.classList.contains("figure-scroll")) return;
    var column = box.clientWidth;
    if (!img.naturalWidth || img.naturalWidth < 1.4 * column) return;
    var wrap = document.createElement("div");
    wrap.className = "figure-scroll";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "Figure; scroll sideways to see all of it");
    box.insertBefore(wrap, img);
    wrap.appendChild(img);
    img.style.width = Math.round(img.naturalWidth * 0.75) + "px";
    img.style.maxWidth = "none";
  }

  function start() {
    if (window.innerWidth > NARROW) return;
    var images = document.querySelectorAll(".cell_output > img");
    Array.prototype.forEach.call(images, function (img) {
      if (img.complete) widen(img);
      else img.addEventListener("load", function () { widen(img); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
