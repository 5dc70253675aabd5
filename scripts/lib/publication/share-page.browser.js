// @ts-check
/*
 * The share page's script, inlined into the page and allowed there by its SHA-256 hash. It runs in
 * the browser as a classic script (no modules, ES2017), builds every row with textContent (never
 * innerHTML), and drops every link from the page when the countdown reaches the links' expiry.
 */
// eslint-disable-next-line max-lines-per-function -- too long still: to be split
(function () {
  "use strict";

  /**
   * @typedef {{ id: string, cancer: string, assembly: string, tracks: string[], note: string }} SharedSample
   * @typedef {{
   *   expiresAt: string, expiresAtText: string, cohortLink: string | null,
   *   sampleLinkPrefix: string | null, maxRows: number, samples: SharedSample[]
   * }} ShareData
   * @typedef {SharedSample & { index: number, text: string }} Row
   * @typedef {"index" | "id" | "cancer" | "assembly" | "tracks" | "note"} SortKey
   */

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  function byId(id) {
    var element = document.getElementById(id);
    if (element === null) throw new Error("the share page has no #" + id);
    return element;
  }

  var dataElement = byId("share-data");
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- the page's own data, typed by the cast
  var data = /** @type {ShareData} */ (JSON.parse(dataElement.textContent || "{}"));
  var expiresAt = Date.parse(data.expiresAt);
  var cohortLink = data.cohortLink;
  var linkPrefix = data.sampleLinkPrefix;
  /** @type {Row[]} */
  var samples = data.samples.map(function (sample, index) {
    var text = [sample.id, sample.cancer, sample.assembly, sample.tracks.join(" "), sample.note].join("\n");
    return {
      index: index,
      id: sample.id,
      cancer: sample.cancer,
      assembly: sample.assembly,
      tracks: sample.tracks,
      note: sample.note,
      text: text.toLowerCase(),
    };
  });
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  /** @type {SortKey} */
  var sortKey = "index";
  var sortDirection = 1;
  /** @type {string[]} */
  var terms = [];
  /** @type {ReturnType<typeof setInterval> | null} */
  var timer = null;
  var rows = byId("sample-rows");
  var matchCount = byId("match-count");
  var rowLimit = byId("row-limit");
  var countdown = byId("countdown");

  /** @param {number} count */
  function plural(count) {
    return count + " sample" + (count === 1 ? "" : "s");
  }

  /** @param {Row} sample */
  function sortValue(sample) {
    return sortKey === "tracks" ? sample.tracks.join(" ") : String(sample[sortKey]);
  }

  /**
   * @param {Row} a
   * @param {Row} b
   */
  function compare(a, b) {
    var order =
      sortKey === "index" ? a.index - b.index : collator.compare(sortValue(a), sortValue(b)) || a.index - b.index;
    return order * sortDirection;
  }

  /**
   * @param {HTMLTableRowElement} row
   * @param {string} className
   * @param {string} [text]
   */
  function cell(row, className, text) {
    var td = document.createElement("td");
    td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  /** @param {Row} sample */
  function openCell(sample) {
    if (linkPrefix === null) {
      var dead = document.createElement("span");
      dead.className = "expired-label";
      dead.textContent = "Expired";
      return dead;
    }
    var link = document.createElement("a");
    link.className = "open";
    link.href = linkPrefix + sample.index;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = "Open in Chromoscope";
    link.setAttribute("aria-label", "Open sample " + sample.id + " in Chromoscope");
    return link;
  }

  /** @param {Row} sample */
  function sampleRow(sample) {
    var row = document.createElement("tr");
    row.dataset.index = String(sample.index);
    cell(row, "index", String(sample.index + 1));
    cell(row, "id", sample.id);
    cell(row, "cancer", sample.cancer);
    cell(row, "assembly", sample.assembly);
    var tracks = cell(row, "tracks");
    sample.tracks.forEach(function (track) {
      var chip = document.createElement("span");
      chip.className = "track";
      chip.textContent = track;
      tracks.appendChild(chip);
    });
    cell(row, "note", sample.note);
    cell(row, "link").appendChild(openCell(sample));
    return row;
  }

  function render() {
    var matching = samples
      .filter(function (sample) {
        return terms.every(function (term) {
          return sample.text.indexOf(term) >= 0;
        });
      })
      .sort(compare);
    var shown = matching.slice(0, data.maxRows);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (sample) {
      fragment.appendChild(sampleRow(sample));
    });
    if (shown.length === 0) {
      var empty = document.createElement("tr");
      cell(empty, "empty muted", "No sample matches the search.").colSpan = 7;
      fragment.appendChild(empty);
    }
    rows.replaceChildren(fragment);
    matchCount.textContent =
      terms.length === 0 ? plural(samples.length) : matching.length + " of " + plural(samples.length);
    rowLimit.hidden = matching.length <= shown.length;
    rowLimit.textContent =
      "Showing the first " + shown.length + " of " + matching.length + " matching samples: search to narrow the list.";
  }

  function expire() {
    cohortLink = null;
    linkPrefix = null;
    dataElement.textContent = "";
    document.body.classList.remove("live");
    document.body.classList.add("expired");
    byId("expired-banner").hidden = false;
    var linkRow = document.getElementById("cohort-link-row");
    if (linkRow) {
      var dead = document.createElement("p");
      dead.className = "dead-link";
      dead.textContent = "The cohort link expired on " + data.expiresAtText + ".";
      linkRow.replaceWith(dead);
      var status = document.getElementById("copy-status");
      if (status) status.remove();
      var download = document.getElementById("config-download");
      if (download) download.remove();
    }
    countdown.textContent = "expired";
    countdown.classList.add("soon");
    if (timer !== null) clearInterval(timer);
    render();
  }

  /** @param {number} value */
  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function tick() {
    var left = expiresAt - Date.now();
    if (left <= 0) {
      expire();
      return;
    }
    var seconds = Math.floor(left / 1000);
    var days = Math.floor(seconds / 86400);
    var clock =
      pad(Math.floor((seconds % 86400) / 3600)) +
      ":" +
      pad(Math.floor((seconds % 3600) / 60)) +
      ":" +
      pad(seconds % 60);
    countdown.textContent = "in " + (days > 0 ? days + (days === 1 ? " day, " : " days, ") : "") + clock;
    countdown.classList.toggle("soon", left < 3600 * 1000);
  }

  /** @param {HTMLElement} button */
  function sortBy(button) {
    var key = /** @type {SortKey} */ (button.getAttribute("data-sort"));
    sortDirection = key === sortKey ? -sortDirection : 1;
    sortKey = key;
    document.querySelectorAll("th[aria-sort]").forEach(function (th) {
      var direction = sortDirection === 1 ? "ascending" : "descending";
      th.setAttribute("aria-sort", th.contains(button) ? direction : "none");
    });
    render();
  }

  document.querySelectorAll("th button[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      sortBy(/** @type {HTMLElement} */ (button));
    });
  });
  var search = /** @type {HTMLInputElement} */ (byId("search"));
  search.addEventListener("input", function () {
    terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    render();
  });

  /** Copies the cohort link, by the clipboard API where the page may use it, else by selecting it. */
  function copyCohortLink() {
    var input = /** @type {HTMLInputElement} */ (byId("cohort-link"));
    var status = byId("copy-status");
    if (cohortLink === null) return;
    var done = function () {
      status.textContent = "Copied. Paste it only where the data may go.";
    };
    var byHand = function () {
      input.focus();
      input.select();
      var copied;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      status.textContent = copied
        ? "Copied. Paste it only where the data may go."
        : "Copy failed: the link is selected, copy it by hand.";
    };
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(cohortLink).then(done, byHand);
    else byHand();
  }
  var copyButton = document.getElementById("copy-link");
  if (copyButton) copyButton.addEventListener("click", copyCohortLink);

  render();
  if (cohortLink === null) {
    countdown.textContent = "expired";
  } else {
    tick();
    // tick() expires the page when the links already died; only a live page keeps counting.
    if (cohortLink !== null) timer = setInterval(tick, 1000);
  }
})();
