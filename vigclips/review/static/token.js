// vigclips: the page's secret, shared by the review, batch and workspace pages. It comes embedded (a one-time launch
// address), in the address's fragment (#token=…, never sent to a server), or from this tab's sessionStorage (a reload;
// sessionStorage is per tab and per port, so two pages never mix), and is kept there for the pages opened from this one.
"use strict";

window.vigclipsToken = function () {
  const embedded = document.querySelector('meta[name="vigclips-token"]').content;
  const fromAddress = new URLSearchParams(window.location.hash.slice(1)).get("token");
  const token = embedded || fromAddress || window.sessionStorage.getItem("vigclips-token") || "";
  if (token) window.sessionStorage.setItem("vigclips-token", token);
  return token;
};
