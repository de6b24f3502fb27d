// Progressive enhancement only: every page works without this script.
"use strict";

// In the Mini App, Telegram passes the signed initData in the address's fragment
// (#tgWebAppData=…); post it once to sign in, then drop it from the address bar.
function miniAppSignIn() {
  const box = document.getElementById("signin");
  if (!box) return;
  const hash = new URLSearchParams(location.hash.slice(1));
  const initData = hash.get("tgWebAppData") ||
    (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData) || "";
  if (!initData) return;
  history.replaceState(null, "", location.pathname);
  const status = document.getElementById("webapp-status");
  const error = document.getElementById("webapp-error");
  status.hidden = false;
  fetch(box.dataset.webapp, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams({init_data: initData}).toString(),
  }).then(async (response) => {
    const answer = await response.json();
    if (response.ok) {
      location.replace(answer.next || "/");
    } else {
      status.hidden = true;
      error.textContent = answer.error || String(response.status);
      error.hidden = false;
    }
  });
}

// Filters apply as soon as a choice changes.
function autoFilter() {
  const form = document.getElementById("filters");
  if (!form) return;
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
}

// Sort the overview in place when a column head is clicked (the links sort on the server).
function sortableTables() {
  for (const table of document.querySelectorAll("table.sortable")) {
    const heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach((th, column) => {
      th.addEventListener("click", (event) => {
        event.preventDefault();
        const ascending = th.getAttribute("aria-sort") === "descending";
        const value = (row) => row.cells[column].dataset.v;
        const numeric = heads[column].dataset.sort !== "name";
        const rows = Array.from(table.tBodies[0].rows);
        rows.sort((a, b) => {
          const [x, y] = [value(a), value(b)];
          const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return ascending ? order : -order;
        });
        if (["rank", "name"].includes(th.dataset.sort)) rows.reverse();
        heads.forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        table.tBodies[0].append(...rows);
      });
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  miniAppSignIn();
  autoFilter();
  sortableTables();
});
