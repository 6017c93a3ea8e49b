// The applicant demo page: plays the mobile app's part against the public /v1 API (fetch with
// an app key): create a filing, upload photos with their instant quality guidance, submit, and
// poll the filing until its decision arrives. Plain script, no build.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var labels = JSON.parse(document.getElementById("demo-labels").textContent);
  var form = document.getElementById("filing-form");
  var picker = document.getElementById("files");
  var list = document.getElementById("uploads");
  var submitButton = document.getElementById("submit");
  var statusLine = document.getElementById("status");
  var verdictBox = document.getElementById("verdict");
  var UPLOADABLE = ["draft", "needs_materials", "provisional"];
  var SUBMITTABLE = ["draft", "needs_materials"];
  // `round` counts submissions: a poll answered after a newer submission is stale and dropped.
  var state = { filing: null, status: "", example: 0, timer: null, polls: 0, pending: 0, round: 0 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function appKey() {
    var typed = document.getElementById("app-key");
    return main.dataset.appKey || (typed ? typed.value.trim() : "");
  }

  // -- the API ---------------------------------------------------------------------------

  // A problem's sentence for the applicant: its Chinese `message` when it has one, else `detail`.
  function problemText(status, body) {
    if (body && typeof body === "object") {
      if (body.message) return String(body.message);
      if (body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }
    if (status === 401) return "App 密钥缺失或无效。";
    return "请求失败（HTTP " + status + "）。";
  }

  function call(method, path, payload, extraHeaders) {
    var headers = Object.assign({ Authorization: "Bearer " + appKey() }, extraHeaders || {});
    var init = { method: method, headers: headers, cache: "no-store" };
    if (payload instanceof FormData) {
      init.body = payload;
    } else if (payload !== undefined) {
      init.body = JSON.stringify(payload);
      headers["Content-Type"] = "application/json";
    }
    return fetch(path, init).then(
      function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          return {
            ok: response.ok,
            status: response.status,
            body: body,
            problem: response.ok ? "" : problemText(response.status, body),
          };
        });
      },
      function () {
        return { ok: false, status: 0, body: null, problem: "网络连接失败，请稍后重试。" };
      }
    );
  }

  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : "";
  }

  // -- step 1: the filing ----------------------------------------------------------------

  function value(name) {
    return form.elements[name].value.trim();
  }

  function filingBody() {
    var body = {
      applicant: { name: value("name"), id_number: value("id_number"), phone: value("phone") },
      filing_type: value("filing_type"),
      insured_region: value("insured_region"),
      treatment_region: value("treatment_region"),
      scheme: value("scheme"),
      commitment: form.elements.commitment.checked,
    };
    if (value("start_date")) body.start_date = value("start_date");
    if (value("address")) {
      body.contact = { name: value("name"), phone: value("phone"), address: value("address") };
    }
    return body;
  }

  function fillExample() {
    var examples = labels.examples;
    state.example = (state.example + 1) % examples.length;
    var example = examples[state.example];
    Object.keys(example).forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = example[name];
    });
    form.elements.address.value = "";
    form.elements.commitment.checked = false;
  }

  // kind: "ok" (the filing exists), "error" (refused) or "" (working on it).
  function note(text, kind) {
    var line = document.getElementById("filing-note");
    line.textContent = text;
    line.className = kind ? "note " + kind : "note";
  }

  function createFiling(event) {
    event.preventDefault();
    if (!appKey()) {
      note("请先输入 App 密钥。", "error");
      return;
    }
    var button = document.getElementById("create");
    button.disabled = true;
    note("正在创建备案…", "");
    call("POST", "/v1/filings", filingBody()).then(function (answer) {
      if (!answer.ok) {
        button.disabled = false;
        note("未能创建备案：" + answer.problem, "error");
        return;
      }
      state.filing = answer.body;
      main.dataset.filing = answer.body.id;
      Array.prototype.forEach.call(form.elements, function (field) { field.disabled = true; });
      note("已创建备案（编号 " + answer.body.id.slice(0, 8) + "），请上传材料。", "ok");
      document.getElementById("step-upload").dataset.disabled = "false";
      document.getElementById("step-submit").dataset.disabled = "false";
      showStatus(answer.body.status);
    });
  }

  // -- step 2: uploads and their quality guidance -----------------------------------------

  function uploadCard(file) {
    var card = el("li", "upload");
    card.dataset.state = "checking";
    if (file.type.indexOf("image/") === 0) {
      var img = el("img", "thumb");
      img.alt = "";
      img.src = URL.createObjectURL(file);
      img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
      card.appendChild(img);
    } else {
      card.appendChild(el("span", "thumb doc", file.type === "application/pdf" ? "PDF" : "文件"));
    }
    var body = el("div", "body");
    body.appendChild(el("p", "file", file.name || "照片"));
    body.appendChild(el("p", "state", "正在上传并检查清晰度…"));
    card.appendChild(body);
    list.appendChild(card);
    return card;
  }

  function pageNote(problem, pages) {
    return pages > 1 && problem.page ? "第 " + problem.page + " 页：" + problem.message : problem.message;
  }

  function showQuality(card, document_, created) {
    var body = card.querySelector(".body");
    var line = card.querySelector(".state");
    card.dataset.document = document_.id;
    var quality = document_.quality;
    if (quality.ok) {
      card.dataset.state = "ok";
      line.textContent = created ? "✓ 照片清晰，可以使用" : "✓ 这份材料已上传过，无需重复上传";
      body.appendChild(el("p", "kind", "等待识别材料类型…"));
      return;
    }
    card.dataset.state = "retake";
    line.textContent = "✗ 建议重拍";
    var problems = el("ul", "problems");
    quality.problems.forEach(function (problem) {
      problems.appendChild(el("li", "", pageNote(problem, document_.page_count)));
    });
    body.appendChild(problems);
    var retake = el("button", "retake", "重新拍摄");
    retake.type = "button";
    retake.addEventListener("click", function () { picker.click(); });
    body.appendChild(retake);
    body.appendChild(el("p", "kind", "等待识别材料类型…"));
  }

  function upload(file) {
    var card = uploadCard(file);
    var data = new FormData();
    data.append("file", file, file.name || "photo.jpg");
    var key = newKey();
    state.pending += 1;
    updateSubmit();
    return call("POST", "/v1/filings/" + state.filing.id + "/documents", data,
      key ? { "Idempotency-Key": key } : {}).then(function (answer) {
      state.pending -= 1;
      if (answer.ok) {
        showQuality(card, answer.body, answer.status === 201);
        schedule(1000);
      } else {
        card.dataset.state = "error";
        card.querySelector(".state").textContent = "✗ 未能上传：" + answer.problem;
      }
      updateSubmit();
    });
  }

  function pickFiles() {
    var files = Array.prototype.slice.call(picker.files || []);
    picker.value = "";
    files.reduce(function (previous, file) {
      return previous.then(function () { return upload(file); });
    }, Promise.resolve());
  }

  function showKinds(filing) {
    filing.documents.forEach(function (document_) {
      var card = list.querySelector('li[data-document="' + document_.id + '"]');
      var line = card && card.querySelector(".kind");
      if (!line) return;
      if (document_.status === "analysed") {
        line.textContent = "识别为：" + (labels.kinds[document_.kind] || "未识别材料");
        line.dataset.kind = document_.kind || "";
      } else if (document_.status === "failed") {
        line.textContent = "无法读取这份材料，请重新拍摄。";
        line.dataset.kind = "failed";
      }
    });
  }

  // -- step 3: submit and wait for the decision -----------------------------------------------

  function updateSubmit() {
    list.dataset.pending = String(state.pending);
    var uploaded = list.querySelectorAll('li[data-state="ok"], li[data-state="retake"]').length;
    var allowed = state.filing && SUBMITTABLE.indexOf(state.status) >= 0 && uploaded > 0;
    submitButton.disabled = !allowed || state.pending > 0;
    submitButton.textContent = state.status === "needs_materials" ? "补充材料后重新提交" : "提交备案";
    picker.disabled = !state.filing || UPLOADABLE.indexOf(state.status) < 0;
  }

  function showStatus(status) {
    state.status = status;
    statusLine.dataset.status = status;
    var label = labels.statuses[status] || status;
    statusLine.textContent = status === "submitted"
      ? "已提交，正在读取和核验材料…"
      : "备案状态：" + label;
    statusLine.classList.toggle("busy", status === "submitted");
    updateSubmit();
  }

  function section(title) {
    var part = el("section", "part");
    part.appendChild(el("h3", "", title));
    return part;
  }

  function checkItem(check) {
    var item = el("li", "check " + check.outcome);
    item.dataset.code = check.code;
    item.appendChild(el("span", "tag", labels.outcomes[check.outcome] || check.outcome));
    item.appendChild(document.createTextNode(" " + check.message));
    return item;
  }

  function showVerdict(filing) {
    var verdict = filing.verdict;
    // Drawn again only when something changed, so an opened list stays open between polls.
    var shown = verdict.verified_at + "/" + (filing.review ? filing.review.decided_at : "");
    if (!verdictBox.hidden && verdictBox.dataset.shown === shown) return;
    verdictBox.dataset.shown = shown;
    verdictBox.textContent = "";
    verdictBox.hidden = false;
    verdictBox.dataset.decision = verdict.decision;
    var banner = el("p", "decision " + verdict.decision, labels.decisions[verdict.decision]);
    verdictBox.appendChild(banner);
    if (verdict.decision === "approve" && (verdict.valid_from || verdict.valid_until)) {
      verdictBox.appendChild(el("p", "valid",
        "有效期：" + (verdict.valid_from || "") + " 至 " + (verdict.valid_until || "长期")));
    }
    if (verdict.provisional) {
      verdictBox.appendChild(el("p", "hint", "承诺制备案：请在承诺期限内补交证明材料。"));
    }
    if (verdict.missing.length) {
      var missing = section("需要补充的材料");
      var items = el("ul", "missing");
      verdict.missing.forEach(function (group) {
        var item = el("li", "", group.name);
        item.dataset.group = group.group;
        items.appendChild(item);
      });
      missing.appendChild(items);
      verdictBox.appendChild(missing);
    }
    var open = verdict.checks.filter(function (c) { return c.outcome !== "pass"; });
    var passed = verdict.checks.filter(function (c) { return c.outcome === "pass"; });
    if (open.length) {
      var problems = section("需要注意的问题");
      var ul = el("ul", "checks");
      open.forEach(function (check) { ul.appendChild(checkItem(check)); });
      problems.appendChild(ul);
      verdictBox.appendChild(problems);
    }
    if (passed.length) {
      var details = el("details", "passed");
      details.appendChild(el("summary", "", "已通过的检查（" + passed.length + " 项）"));
      var done = el("ul", "checks");
      passed.forEach(function (check) { done.appendChild(checkItem(check)); });
      details.appendChild(done);
      verdictBox.appendChild(details);
    }
    if (filing.review) {
      var review = section("人工审核结果");
      review.classList.add("review");
      review.appendChild(el("p", "", (labels.actions[filing.review.action] || filing.review.action) +
        (filing.review.message ? "：" + filing.review.message : "")));
      verdictBox.appendChild(review);
    }
    document.getElementById("restart").hidden = false;
  }

  // Poll while the applicant waits for something: a document's reading, the verdict, or a
  // reviewer (every 5 s while the filing waits for one, at most about an hour).
  function schedule(delay) {
    if (state.timer === null) state.timer = window.setTimeout(refresh, delay);
  }

  function refresh() {
    var round = state.round;
    state.timer = null;
    state.polls += 1;
    call("GET", "/v1/filings/" + state.filing.id).then(function (answer) {
      if (round !== state.round) return;
      if (!answer.ok) {
        statusLine.textContent = "暂时无法获取备案状态：" + answer.problem;
        if (state.polls < 1000) schedule(3000);
        return;
      }
      var filing = answer.body;
      showKinds(filing);
      showStatus(filing.status);
      if (filing.verdict && filing.status !== "submitted") showVerdict(filing);
      var reading = filing.documents.some(function (d) { return d.status === "received"; });
      if (filing.status === "submitted" || reading) schedule(1000);
      else if (filing.status === "needs_review" && state.polls < 1000) schedule(5000);
    });
  }

  function submit() {
    submitButton.disabled = true;
    state.round += 1;
    // No poll until the submission is answered: one sent before it would bring the old verdict.
    if (state.timer !== null) window.clearTimeout(state.timer);
    state.timer = null;
    call("POST", "/v1/filings/" + state.filing.id + "/submit").then(function (answer) {
      if (!answer.ok) {
        statusLine.textContent = "未能提交：" + answer.problem;
        updateSubmit();
        schedule(1000);
        return;
      }
      verdictBox.hidden = true;
      showStatus(answer.body.status);
      schedule(500);
    });
  }

  form.addEventListener("submit", createFiling);
  document.getElementById("fill-example").addEventListener("click", fillExample);
  picker.addEventListener("change", pickFiles);
  submitButton.addEventListener("click", submit);
  document.getElementById("restart").addEventListener("click", function () { window.location.reload(); });
  document.documentElement.dataset.demoReady = "true";
})();
