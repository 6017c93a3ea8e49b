// The reviewers' filing page: zoom, rotate and box toggles on each page image, and
// checks that mark on the image the boxes their evidence cites. Plain script, no build.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // -- page viewers -------------------------------------------------------------------

  function layout(viewer) {
    var stage = viewer.querySelector(".stage");
    var frame = viewer.querySelector(".frame");
    var sheet = viewer.querySelector(".sheet");
    var img = viewer.querySelector(".page-image");
    var ratio = img.naturalWidth
      ? img.naturalHeight / img.naturalWidth
      : Number(viewer.dataset.height) / Number(viewer.dataset.width) || 1;
    var zoom = Number(viewer.dataset.zoom || 1);
    var turn = Number(viewer.dataset.turn || 0);
    var sideways = turn % 180 !== 0;
    var fit = stage.clientWidth * zoom;
    var w = sideways ? fit / ratio : fit;
    var h = w * ratio;
    var fw = sideways ? h : w;
    var fh = sideways ? w : h;
    frame.style.width = fw + "px";
    frame.style.height = fh + "px";
    sheet.style.position = "absolute";
    sheet.style.width = w + "px";
    sheet.style.height = h + "px";
    sheet.style.left = (fw - w) / 2 + "px";
    sheet.style.top = (fh - h) / 2 + "px";
    sheet.style.transform = "rotate(" + turn + "deg)";
  }

  function act(viewer, button) {
    var zoom = Number(viewer.dataset.zoom || 1);
    switch (button.dataset.act) {
      case "boxes":
        var shown = viewer.classList.toggle("boxes-off") === false;
        button.setAttribute("aria-pressed", String(shown));
        return;
      case "zoom-in": viewer.dataset.zoom = String(Math.min(zoom * 1.25, 5)); break;
      case "zoom-out": viewer.dataset.zoom = String(Math.max(zoom / 1.25, 0.4)); break;
      case "rotate": viewer.dataset.turn = String((Number(viewer.dataset.turn || 0) + 90) % 360); break;
      case "reset": viewer.dataset.zoom = "1"; viewer.dataset.turn = "0"; break;
      default: return;
    }
    layout(viewer);
  }

  // -- marking boxes ------------------------------------------------------------------

  function boxOf(rect) {
    var x = Number(rect.getAttribute("x")), y = Number(rect.getAttribute("y"));
    return [x, y, x + Number(rect.getAttribute("width")), y + Number(rect.getAttribute("height"))];
  }

  function mark(svg, box, css) {
    var rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("class", css);
    rect.setAttribute("x", box[0]);
    rect.setAttribute("y", box[1]);
    rect.setAttribute("width", Math.max(box[2] - box[0], 0.002));
    rect.setAttribute("height", Math.max(box[3] - box[1], 0.002));
    svg.querySelector(".highlights").appendChild(rect);
  }

  function overlay(documentId, page) {
    return document.querySelector(
      'svg.overlay[data-document="' + CSS.escape(String(documentId)) + '"][data-page="' + Number(page) + '"]'
    );
  }

  function boxesFor(svg, ref) {
    if (Array.isArray(ref.b) && ref.b.length === 4) return [ref.b.map(Number)];
    var found = [];
    if (ref.f) each('rect.field[data-field="' + CSS.escape(ref.f) + '"]', svg, function (r) { found.push(boxOf(r)); });
    if (!found.length) each("rect.doc", svg, function (r) { found.push(boxOf(r)); });
    return found;
  }

  function cite(check) {
    each("rect.hl", document, function (r) { r.remove(); });
    each(".check[aria-pressed='true']", document, function (c) { c.setAttribute("aria-pressed", "false"); });
    check.setAttribute("aria-pressed", "true");
    var refs = [];
    try { refs = JSON.parse(check.dataset.cite || "[]"); } catch (e) { refs = []; }
    var first = null, count = 0;
    refs.forEach(function (ref) {
      var svg = overlay(ref.d, ref.p);
      if (!svg) return;
      boxesFor(svg, ref).forEach(function (box) { mark(svg, box, "hl"); count += 1; });
      first = first || svg;
    });
    var status = document.getElementById("cite-status");
    if (status) status.textContent = count ? "已在图上标出 " + count + " 处。" : "这项检查没有引用图上的位置。";
    if (first) first.closest(".viewer").scrollIntoView({ block: "center" });
  }

  function focusField(input, on) {
    each("rect.focus", document, function (r) { r.remove(); });
    if (!on || !input.dataset.box) return;
    var form = input.form;
    var svg = overlay(form.elements.document_id.value, form.elements.page.value);
    if (svg) mark(svg, input.dataset.box.split(",").map(Number), "focus");
  }

  // -- start --------------------------------------------------------------------------

  function ready(viewers) {
    var images = Array.prototype.map.call(viewers, function (v) { return v.querySelector(".page-image"); });
    var pending = images.filter(function (img) { return !img.complete; }).length;
    function done() {
      requestAnimationFrame(function () {
        document.documentElement.dataset.pagesReady = String(Math.round(performance.now()));
      });
    }
    if (!pending) return done();
    images.forEach(function (img) {
      if (img.complete) return;
      var settle = function () { pending -= 1; if (!pending) done(); };
      img.addEventListener("load", settle, { once: true });
      img.addEventListener("error", settle, { once: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var viewers = document.querySelectorAll(".viewer");
    each(".viewer", document, function (viewer) {
      layout(viewer);
      // The frame the page was read in may differ from the stored page's size: lay out again.
      viewer.querySelector(".page-image").addEventListener("load", function () { layout(viewer); });
      viewer.querySelector(".toolbar").addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (button) act(viewer, button);
      });
    });
    window.addEventListener("resize", function () { each(".viewer", document, layout); });
    each(".check[data-cite]", document, function (check) {
      check.addEventListener("click", function () { cite(check); });
      check.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); cite(check); }
      });
    });
    each("input[data-box]", document, function (input) {
      input.addEventListener("focus", function () { focusField(input, true); });
      input.addEventListener("blur", function () { focusField(input, false); });
    });
    ready(viewers);
  });
})();
