// musicgenre page: upload a file to POST api/classify, then draw the verdict, a bar per genre (the most
// probable ones, for a model of many), the timeline and the log-mel spectrogram. Plain JS, no libraries: the
// page works offline.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { colours: {}, maxBytes: null, model: null };
  // bars drawn at most: every genre of a ten-genre model, the most probable of a model of many (audioset-genres)
  const MAX_BARS = 10;

  // Viridis at six stops (0, 0.2, … 1): enough for a smooth 256-entry lookup table.
  const VIRIDIS = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
  const LUT = (() => {
    const table = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const x = (i / 255) * (VIRIDIS.length - 1);
      const k = Math.min(Math.floor(x), VIRIDIS.length - 2);
      const t = x - k;
      for (let c = 0; c < 3; c++) table[i * 3 + c] = VIRIDIS[k][c] + t * (VIRIDIS[k + 1][c] - VIRIDIS[k][c]);
    }
    return table;
  })();

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function setBusy(busy, label) {
    $("progress-box").hidden = !busy;
    $("file-input").disabled = busy;
    document.body.dataset.state = busy ? "busy" : document.body.dataset.state;
    if (label) $("progress-label").textContent = label;
  }

  // a no-break space keeps "16.8 %" on one line at phone width
  function percent(p) {
    return (100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1) + "\u00a0%";
  }

  // sizes as the server counts them (MiB, shown as MB), to 0.1: "5 MB", "1.5 MB"
  function megabytes(n) {
    return String(Number((n / 1048576).toFixed(1))) + "\u00a0MB";
  }

  function seconds(s) {
    if (s < 60) return s.toFixed(1) + " s";
    const m = Math.floor(s / 60);
    return m + ":" + String(Math.round(s - 60 * m)).padStart(2, "0");
  }

  // the colour /api/genres gives a genre (a fallback grey for a name it did not list)
  function colour(genre) {
    return state.colours[genre] || "#888";
  }

  // the page's lead line for the served model: its genres when there are a few, else how many and how scored
  function describeGenres(model) {
    const genres = model.genres || [];
    if (!model.multi_label && genres.length <= 12) {
      return "Which of " + genres.length + " genres (" + genres.join(", ") + ") is this music?";
    }
    return "Which genres does this music have? The model scores each of its " + genres.length + " genres (" +
      genres.slice(0, 4).join(", ") + ", …) on its own" +
      (model.multi_label ? ": their probabilities need not add up to 100\u00a0%." : ".");
  }

  async function loadInfo() {
    try {
      const [genres, model, limits] = await Promise.all(
        ["api/genres", "api/model", "api/limits"].map((url) => fetch(url).then((r) => r.json())));
      for (const g of genres.genres) state.colours[g.name] = g.colour;
      state.model = model;
      const ten = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"];
      if (model.multi_label || model.genres.join() !== ten.join()) $("lead").textContent = describeGenres(model);
      $("model-name").textContent = model.name + " (" + model.recipe + ", " + model.clip_seconds + " s windows)";
      $("timeline-windows").textContent = "one " + model.clip_seconds + " s window every " + model.window_hop_seconds + " s";
      state.maxBytes = limits.max_upload_bytes;
      $("limit-hint").textContent = "Up to " + megabytes(limits.max_upload_bytes) + ".";
    } catch (err) {
      setStatus("Could not reach the server: " + err, true);
    }
  }

  function upload(file) {
    if (!file) return;
    if (state.maxBytes !== null && file.size > state.maxBytes) {
      setStatus(file.name + " (" + megabytes(file.size) + ") is too large: the server takes files up to " +
        megabytes(state.maxBytes) + ".", true);
      return;
    }
    $("result").hidden = true;
    setStatus("");
    const progress = $("progress");
    progress.value = 0;
    setBusy(true, "Uploading " + file.name + "…");

    const form = new FormData();
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "api/classify?timeline=true&spectrogram=true&explain=true&top=3");
    xhr.responseType = "json";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
    };
    xhr.upload.onload = () => {
      progress.removeAttribute("value"); // indeterminate while the server decodes and classifies
      $("progress-label").textContent = "Analysing " + file.name + "…";
    };
    xhr.onload = () => {
      setBusy(false);
      const body = xhr.response;
      if (xhr.status === 200 && body) {
        render(body);
        document.body.dataset.state = "done";
      } else {
        const detail = body && body.detail ? body.detail : "HTTP " + xhr.status;
        setStatus("Could not classify: " + detail, true);
        document.body.dataset.state = "error";
      }
    };
    xhr.onerror = () => {
      setBusy(false);
      setStatus("The upload failed (network error, or the server refused it).", true);
      document.body.dataset.state = "error";
    };
    xhr.send(form);
  }

  function render(result) {
    $("result-file").textContent = result.file;
    const genre = $("result-genre");
    genre.textContent = result.genre;
    genre.style.color = colour(result.genre);
    $("result-probability").textContent = "(" + percent(result.probability) +
      (result.not_music ? ", but this is not music: " + result.not_music
        : result.uncertain ? ", uncertain: " + uncertainWhy(result.explanation) : "") + ")";
    const runnersUp = result.top.slice(1).map((t) => t.genre + " " + percent(t.probability)).join(", ");
    $("result-meta").textContent = seconds(result.duration_s) + " of audio, " + result.windows +
      (result.windows === 1 ? " window" : " windows") + ", analysed in " + result.elapsed_s.toFixed(2) + " s" +
      (runnersUp ? ". Next: " + runnersUp + "." : ".");
    renderExplanation(result.explanation, result.explanation_unavailable);
    renderBars(result.probabilities);
    renderTimeline(result.timeline, result.duration_s);
    renderSpectrogram(result.spectrogram, result.duration_s);
    $("result").hidden = false;
    fitTimelineLabels(); // needs the laid-out section
    setStatus("Done: " + result.file + " sounds like " + result.genre + ".");
  }

  // why a result is marked uncertain: its networks disagree (a model of several), or it is this unsure
  function uncertainWhy(explanation) {
    const networks = (explanation && explanation.networks) || [];
    if (networks.length > 1 && networks.some((n) => n.genre !== networks[0].genre)) {
      return "its networks disagree (" + networks.map((n) => n.network + ": " + n.genre).join(", ") + ")";
    }
    return "the model is often wrong this unsure";
  }

  function renderExplanation(explanation, unavailable) {
    const box = $("explanation");
    const networks = $("explanation-networks");
    box.hidden = !explanation && !unavailable;
    networks.replaceChildren();
    networks.hidden = true;
    $("explanation-head").textContent = "";
    if (!explanation) {
      $("explanation-summary").textContent = unavailable || "";
      $("explanation-tags").textContent = "";
      return;
    }
    $("explanation-summary").textContent = explanation.summary;
    $("explanation-tags").textContent = "Top tags: " +
      explanation.top_tags.map((t) => t.tag + " " + percent(t.probability)).join(", ");
    const answers = explanation.networks || [];
    if (answers.length) { // a model of several networks: the head explained is the first's, then each one's answer
      $("explanation-head").textContent = " (" + answers[0].network + "'s head)";
      for (const answer of answers) {
        const item = document.createElement("li");
        item.dataset.network = answer.network;
        item.textContent = answer.network + ": " + answer.genre + " " + percent(answer.probability) +
          (answer.top_tags.length ? " (" + answer.top_tags.map((t) => t.tag + " " + percent(t.probability))
            .join(", ") + ")" : "");
        networks.appendChild(item);
      }
      networks.hidden = false;
    }
  }

  // one bar per genre, most probable first; a model of many genres shows its MAX_BARS most probable
  function renderBars(probabilities) {
    const list = $("bars");
    list.replaceChildren();
    const all = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
    const rows = all.slice(0, MAX_BARS);
    const multi = Boolean(state.model && state.model.multi_label);
    list.classList.toggle("long-names", rows.some(([genre]) => genre.length > 10));
    $("bars-caption").textContent = (rows.length < all.length
      ? "The " + rows.length + " most probable of " + all.length + " genres" : "Probability of each genre") +
      (multi ? " (each scored on its own: they need not add up to 100\u00a0%)" : "");
    for (const [genre, p] of rows) {
      const item = document.createElement("li");
      item.className = "bar-row";
      item.dataset.genre = genre;
      item.setAttribute("aria-label", genre + ": " + percent(p));
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = genre;
      const track = document.createElement("span");
      track.className = "bar-track";
      track.setAttribute("aria-hidden", "true");
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.display = "block";
      bar.style.width = (100 * p).toFixed(2) + "%";
      bar.style.background = colour(genre);
      track.appendChild(bar);
      const value = document.createElement("span");
      value.className = "bar-value";
      value.textContent = percent(p);
      item.append(label, track, value);
      list.appendChild(item);
    }
  }

  // One segment per window (each with its own accessible label); windows in a row with the same genre
  // form a run that carries one visible name, shown only where it fits; the legend names every colour.
  function renderTimeline(timeline, duration) {
    const strip = $("timeline");
    const legend = $("timeline-legend");
    strip.replaceChildren();
    legend.replaceChildren();
    $("timeline-end").textContent = seconds(duration);
    if (!timeline || !timeline.length) return;
    const ends = timeline.map((w, i) => // drawn up to the next window's start (windows overlap)
      i + 1 < timeline.length ? timeline[i + 1].start_s : Math.min(w.end_s, duration));
    const count = {};
    let runStart = 0;
    timeline.forEach((w, i) => {
      count[w.genre] = (count[w.genre] || 0) + 1;
      const seg = document.createElement("div");
      seg.className = "segment";
      seg.dataset.genre = w.genre;
      seg.setAttribute("role", "listitem");
      seg.style.left = (100 * w.start_s / duration) + "%";
      seg.style.width = (100 * (ends[i] - w.start_s) / duration) + "%";
      seg.style.background = colour(w.genre);
      seg.title = seconds(w.start_s) + "–" + seconds(w.end_s) + ": " + w.genre + " " + percent(w.probabilities[w.genre]);
      seg.setAttribute("aria-label", seg.title);
      if (i > 0 && timeline[i - 1].genre === w.genre) seg.classList.add("continued");
      else runStart = i;
      const label = document.createElement("span");
      label.className = "segment-label";
      label.setAttribute("aria-hidden", "true");
      label.textContent = w.genre;
      seg.appendChild(label);
      strip.appendChild(seg);
      const runEnd = i + 1 === timeline.length || timeline[i + 1].genre !== w.genre;
      if (runEnd) { // the run's first segment shows the name across the whole run
        const first = strip.children[runStart];
        const span = ends[i] - timeline[runStart].start_s, own = ends[runStart] - timeline[runStart].start_s;
        first.classList.add("run-start");
        first.firstChild.style.width = (100 * span / own) + "%";
      }
    });
    for (const genre of Object.keys(count).sort((a, b) => count[b] - count[a])) {
      const item = document.createElement("li");
      item.dataset.genre = genre;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour(genre);
      swatch.setAttribute("aria-hidden", "true");
      const n = count[genre];
      const name = document.createElement("span");
      name.className = "legend-genre";
      name.textContent = genre;
      item.append(swatch, name, " (" + n + (n === 1 ? " window)" : " windows)"));
      legend.appendChild(item);
    }
  }

  // hide run names that would be cut off (the legend and each segment's label still say it)
  function fitTimelineLabels() {
    for (const label of document.querySelectorAll("#timeline .run-start .segment-label")) {
      label.classList.remove("too-narrow");
      if (label.scrollWidth > label.clientWidth + 1) label.classList.add("too-narrow");
    }
    document.body.dataset.fittedWidth = String(window.innerWidth);
  }

  function renderSpectrogram(spec, duration) {
    const canvas = $("spectrogram");
    $("spectrogram-end").textContent = seconds(duration);
    if (!spec) return;
    const bytes = Uint8Array.from(atob(spec.data), (ch) => ch.charCodeAt(0));
    const w = spec.n_columns, h = spec.n_mels;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(w, h);
    for (let band = 0; band < h; band++) {
      const y = h - 1 - band; // lowest band at the bottom
      for (let x = 0; x < w; x++) {
        const v = bytes[band * w + x];
        const o = (y * w + x) * 4;
        image.data[o] = LUT[v * 3];
        image.data[o + 1] = LUT[v * 3 + 1];
        image.data[o + 2] = LUT[v * 3 + 2];
        image.data[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    canvas.setAttribute("aria-label", "Log-mel spectrogram, " + h + " mel bands up to " +
      Math.round(spec.fmax_hz) + " Hz over " + seconds(duration) + ", " + spec.db_range + " dB range");
  }

  function wire() {
    const input = $("file-input");
    const zone = $("dropzone");
    input.addEventListener("change", () => upload(input.files[0]));
    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("dragover"); });
    }
    for (const name of ["dragleave", "drop"]) {
      zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.remove("dragover"); });
    }
    zone.addEventListener("drop", (e) => {
      if (input.disabled) return;
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) upload(file);
    });
    // a file dropped beside the zone should not make the browser navigate away
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
    window.addEventListener("resize", fitTimelineLabels);
    document.body.dataset.state = "ready";
  }

  document.addEventListener("DOMContentLoaded", () => { wire(); loadInfo(); });
})();
