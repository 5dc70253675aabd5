// @ts-check
/*
 * The share page's script, inlined into the page and allowed there by its SHA-256 hash. It runs in
 * the browser as a classic script (no modules, ES2017), builds every row with textContent (never
 * innerHTML), and drops every link from the page when the countdown reaches the links' expiry.
 *
 * Its functions share one block rather than one enclosing function, so that each reads on its own:
 * in strict mode a block keeps the functions and the consts declared in it to itself (a var there
 * would not be), so the page's global scope stays empty. Its state is one object, the SharePage.
 */
"use strict";

{
  /**
   * @typedef {{ id: string, cancer: string, assembly: string, tracks: string[], note: string }} SharedSample
   * @typedef {{
   *   expiresAt: string, expiresAtText: string, cohortLink: string | null,
   *   sampleLinkPrefix: string | null, maxRows: number, samples: SharedSample[]
   * }} ShareData
   * @typedef {SharedSample & { index: number, text: string }} Row
   * @typedef {"index" | "id" | "cancer" | "assembly" | "tracks" | "note"} SortKey
   * @typedef {{
   *   data: ShareData, expiresAt: number, samples: Row[], cohortLink: string | null, linkPrefix: string | null,
   *   sortKey: SortKey, sortDirection: number, terms: string[], timer: ReturnType<typeof setInterval> | null,
   *   dataElement: HTMLElement, rows: HTMLElement, matchCount: HTMLElement, rowLimit: HTMLElement,
   *   countdown: HTMLElement
   * }} SharePage
   */

  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  function byId(id) {
    var element = document.getElementById(id);
    if (element === null) throw new Error("the share page has no #" + id);
    return element;
  }

  /** @returns {SharePage} */
  function readSharePage() {
    var dataElement = byId("share-data");
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- the page's own data, typed by the cast
    var data = /** @type {ShareData} */ (JSON.parse(dataElement.textContent || "{}"));
    return {
      data: data,
      expiresAt: Date.parse(data.expiresAt),
      samples: data.samples.map(searchableRow),
      cohortLink: data.cohortLink,
      linkPrefix: data.sampleLinkPrefix,
      sortKey: "index",
      sortDirection: 1,
      terms: [],
      timer: null,
      dataElement: dataElement,
      rows: byId("sample-rows"),
      matchCount: byId("match-count"),
      rowLimit: byId("row-limit"),
      countdown: byId("countdown"),
    };
  }

  /**
   * @param {SharedSample} sample
   * @param {number} index
   * @returns {Row}
   */
  function searchableRow(sample, index) {
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
  }

  /** @param {number} count */
  function plural(count) {
    return count + " sample" + (count === 1 ? "" : "s");
  }

  /**
   * @param {Row} sample
   * @param {SortKey} sortKey
   */
  function sortValue(sample, sortKey) {
    return sortKey === "tracks" ? sample.tracks.join(" ") : String(sample[sortKey]);
  }

  /**
   * The order of the rows under the page's current sort (ties keep the samples' order).
   * @param {SharePage} page
   * @returns {(a: Row, b: Row) => number}
   */
  function rowOrder(page) {
    return function (a, b) {
      var sortKey = page.sortKey;
      var order =
        sortKey === "index"
          ? a.index - b.index
          : collator.compare(sortValue(a, sortKey), sortValue(b, sortKey)) || a.index - b.index;
      return order * page.sortDirection;
    };
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

  /**
   * @param {Row} sample
   * @param {string | null} linkPrefix
   */
  function openCell(sample, linkPrefix) {
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

  /**
   * @param {Row} sample
   * @param {string | null} linkPrefix
   */
  function sampleRow(sample, linkPrefix) {
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
    cell(row, "link").appendChild(openCell(sample, linkPrefix));
    return row;
  }

  /** @param {SharePage} page */
  function render(page) {
    var matching = page.samples
      .filter(function (sample) {
        return page.terms.every(function (term) {
          return sample.text.indexOf(term) >= 0;
        });
      })
      .sort(rowOrder(page));
    var shown = matching.slice(0, page.data.maxRows);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (sample) {
      fragment.appendChild(sampleRow(sample, page.linkPrefix));
    });
    if (shown.length === 0) {
      var empty = document.createElement("tr");
      cell(empty, "empty muted", "No sample matches the search.").colSpan = 7;
      fragment.appendChild(empty);
    }
    page.rows.replaceChildren(fragment);
    page.matchCount.textContent =
      page.terms.length === 0 ? plural(page.samples.length) : matching.length + " of " + plural(page.samples.length);
    page.rowLimit.hidden = matching.length <= shown.length;
    page.rowLimit.textContent =
      "Showing the first " + shown.length + " of " + matching.length + " matching samples: search to narrow the list.";
  }

  /** @param {SharePage} page */
  function expire(page) {
    page.cohortLink = null;
    page.linkPrefix = null;
    page.dataElement.textContent = "";
    document.body.classList.remove("live");
    document.body.classList.add("expired");
    byId("expired-banner").hidden = false;
    removeCohortLink(page.data.expiresAtText);
    page.countdown.textContent = "expired";
    page.countdown.classList.add("soon");
    if (page.timer !== null) clearInterval(page.timer);
    render(page);
  }

  /**
   * Puts a note of the expiry where the cohort link was, and drops what went with the link.
   * @param {string} expiresAtText
   */
  function removeCohortLink(expiresAtText) {
    var linkRow = document.getElementById("cohort-link-row");
    if (linkRow) {
      var dead = document.createElement("p");
      dead.className = "dead-link";
      dead.textContent = "The cohort link expired on " + expiresAtText + ".";
      linkRow.replaceWith(dead);
      var status = document.getElementById("copy-status");
      if (status) status.remove();
      var download = document.getElementById("config-download");
      if (download) download.remove();
    }
  }

  /** @param {number} value */
  function pad(value) {
    return (value < 10 ? "0" : "") + value;
  }

  /**
   * `in 2 days, 03:04:05`
   * @param {number} left milliseconds
   */
  function timeLeftText(left) {
    var seconds = Math.floor(left / 1000);
    var days = Math.floor(seconds / 86400);
    var clock =
      pad(Math.floor((seconds % 86400) / 3600)) +
      ":" +
      pad(Math.floor((seconds % 3600) / 60)) +
      ":" +
      pad(seconds % 60);
    return "in " + (days > 0 ? days + (days === 1 ? " day, " : " days, ") : "") + clock;
  }

  /** @param {SharePage} page */
  function tick(page) {
    var left = page.expiresAt - Date.now();
    if (left <= 0) {
      expire(page);
      return;
    }
    page.countdown.textContent = timeLeftText(left);
    page.countdown.classList.toggle("soon", left < 3600 * 1000);
  }

  /**
   * @param {SharePage} page
   * @param {HTMLElement} button
   */
  function sortBy(page, button) {
    var key = /** @type {SortKey} */ (button.getAttribute("data-sort"));
    page.sortDirection = key === page.sortKey ? -page.sortDirection : 1;
    page.sortKey = key;
    document.querySelectorAll("th[aria-sort]").forEach(function (th) {
      var direction = page.sortDirection === 1 ? "ascending" : "descending";
      th.setAttribute("aria-sort", th.contains(button) ? direction : "none");
    });
    render(page);
  }

  /**
   * Copies the cohort link, by the clipboard API where the page may use it, else by selecting it.
   * @param {SharePage} page
   */
  function copyCohortLink(page) {
    var input = /** @type {HTMLInputElement} */ (byId("cohort-link"));
    var status = byId("copy-status");
    if (page.cohortLink === null) return;
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
      navigator.clipboard.writeText(page.cohortLink).then(done, byHand);
    else byHand();
  }

  /** @param {SharePage} page */
  function listenToControls(page) {
    document.querySelectorAll("th button[data-sort]").forEach(function (button) {
      button.addEventListener("click", function () {
        sortBy(page, /** @type {HTMLElement} */ (button));
      });
    });
    var search = /** @type {HTMLInputElement} */ (byId("search"));
    search.addEventListener("input", function () {
      page.terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      render(page);
    });
    var copyButton = document.getElementById("copy-link");
    if (copyButton)
      copyButton.addEventListener("click", function () {
        copyCohortLink(page);
      });
  }

  /** @param {SharePage} page */
  function startCountdown(page) {
    if (page.cohortLink === null) {
      page.countdown.textContent = "expired";
      return;
    }
    tick(page);
    // tick() expires the page when the links already died; only a live page keeps counting.
    if (page.cohortLink !== null)
      page.timer = setInterval(function () {
        tick(page);
      }, 1000);
  }

  const page = readSharePage();
  listenToControls(page);
  render(page);
  startCountdown(page);
}
