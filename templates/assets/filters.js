/* Filters for the list of all exercises. Without JavaScript the form stays hidden and the whole list
   shows. The chosen filters live in the page's address (?muscle=calves&equipment=none), so that a
   filtered view can be shared or bookmarked. */
(function () {
  "use strict";
  var form = document.querySelector("[data-filters]");
  if (!form) { return; }
  var cards = Array.prototype.slice.call(document.querySelectorAll(".exercise-list > li"));
  var count = document.querySelector("[data-count]");
  var noMatch = document.querySelector("[data-no-match]");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));

  function matches(card) {
    return selects.every(function (select) {
      var wanted = select.value;
      var values = (card.getAttribute("data-" + select.name) || "").split(" ");
      return !wanted || values.indexOf(wanted) >= 0;
    });
  }

  function apply() {
    var shown = 0;
    cards.forEach(function (card) {
      card.hidden = !matches(card);
      if (!card.hidden) { shown += 1; }
    });
    count.textContent = shown + (shown === 1 ? " exercise" : " exercises");
    noMatch.hidden = shown > 0;
    var query = new URLSearchParams();
    selects.forEach(function (select) { if (select.value) { query.set(select.name, select.value); } });
    var text = query.toString();
    window.history.replaceState(null, "", text ? "?" + text : window.location.pathname.split("/").pop());
  }

  var fromAddress = new URLSearchParams(window.location.search);
  selects.forEach(function (select) {
    var wanted = fromAddress.get(select.name);
    if (wanted && select.querySelector('option[value="' + CSS.escape(wanted) + '"]')) { select.value = wanted; }
  });
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
}());
