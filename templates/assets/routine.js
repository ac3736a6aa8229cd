/* Build your own routine: an "Add to my routine" control on exercise pages, and the page that lays the
   chosen exercises out as a one-page print sheet. The choice lives in the browser's local storage and in
   the page's address (?e=slug,slug), so that it can be sent as a link. Without JavaScript none of this
   shows and nothing else changes. */
(function () {
  "use strict";

  var KEY = "exguide-routine:" + (document.documentElement.getAttribute("data-guide") || "");
  var SIZES = 6; /* type steps of the sheet, as in exguide/sheet.py: fit-0 … fit-5 (run-in) */

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || []; } catch (error) { return []; }
  }

  function save(slugs) {
    try { window.localStorage.setItem(KEY, JSON.stringify(slugs)); } catch (error) { /* private mode */ }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  /* Exercise pages */

  function setUpAddControl(holder) {
    var slug = holder.getAttribute("data-add-exercise");
    var button = element("button", "add-button");
    var link = element("a", "my-routine-link");
    button.type = "button";
    link.href = holder.getAttribute("data-custom-routine");
    function show() {
      var chosen = load();
      var inRoutine = chosen.indexOf(slug) >= 0;
      button.textContent = inRoutine ? "Remove from my routine" : "Add to my routine";
      button.setAttribute("aria-pressed", inRoutine ? "true" : "false");
      link.textContent = "My routine (" + chosen.length + ")";
    }
    button.addEventListener("click", function () {
      var chosen = load();
      var index = chosen.indexOf(slug);
      if (index >= 0) { chosen.splice(index, 1); } else { chosen.push(slug); }
      save(chosen);
      show();
    });
    holder.appendChild(button);
    holder.appendChild(document.createTextNode(" "));
    holder.appendChild(link);
    show();
  }

  /* The build-your-own routine page */

  function chosenFromAddress(known) {
    var listed = new URLSearchParams(window.location.search).get("e");
    if (listed === null) { return null; }
    return listed.split(",").filter(function (slug) { return known.hasOwnProperty(slug); });
  }

  /* The first [type step, picture width] at which the sheet fits, as sheet.sheet_steps tries them: with
     pictures, the pictures shrink before the type does. */
  function fitStep(slugs, data) {
    var layout = data.layout;
    var pictured = slugs.some(function (slug) { return data.exercises[slug].picture; });
    var steps = pictured ? layout.pictureSteps : layout.header.map(function (_, level) { return [level, 0]; });
    for (var n = 0; n < steps.length; n += 1) {
      var blocks = slugs.map(function (slug) {
        var exercise = data.exercises[slug];
        return pictured && exercise.pictureHeights ? exercise.pictureHeights[n] : exercise.heights[steps[n][0]];
      });
      blocks.push((slugs.length + 2) * layout.logRow + 3, layout.footer);
      var longest = Math.max.apply(null, blocks);
      var total = blocks.reduce(function (sum, height) { return sum + height; }, 0);
      if (layout.header[steps[n][0]] + Math.max(longest, total / 2 + longest / 2) <= layout.page) { return steps[n]; }
    }
    return steps[steps.length - 1];
  }

  function exerciseItem(slug, position, count, data, move, pictured) {
    var exercise = data.exercises[slug];
    var item = element("li", "routine-item");
    if (pictured && exercise.picture) {
      var picture = element("img", "item-picture");
      picture.src = exercise.picture[0];
      if (exercise.picture[1]) { picture.width = exercise.picture[1]; picture.height = exercise.picture[2]; }
      picture.alt = exercise.picture[3];
      item.appendChild(picture);
    }
    var what = element("div", "item-what");
    var heading = element("h2");
    var link = element("a", null, exercise.title);
    link.href = exercise.url;
    heading.appendChild(link);
    what.appendChild(heading);
    if (exercise.dose) { what.appendChild(element("p", "dose", exercise.dose)); }
    var how = element("div", "item-how");
    var steps = element("ol", "steps");
    exercise.steps.forEach(function (step) {
      var line = element("li");
      line.innerHTML = step; /* the guide's own Markdown, rendered by the build */
      steps.appendChild(line);
    });
    how.appendChild(steps);
    if (exercise.caution) {
      var caution = element("p", "caution");
      caution.appendChild(element("strong", null, "Caution:"));
      caution.appendChild(document.createTextNode(" " + exercise.caution));
      how.appendChild(caution);
    }
    item.appendChild(what);
    item.appendChild(how);
    item.appendChild(controls(exercise.title, position, count, move));
    return item;
  }

  function controls(title, position, count, move) {
    var box = element("div", "item-controls screen-only");
    [["Move up", -1, position === 0], ["Move down", 1, position === count - 1], ["Remove", 0, false]]
      .forEach(function (spec) {
        var button = element("button", null, spec[0]);
        button.type = "button";
        button.disabled = spec[2];
        button.setAttribute("aria-label", spec[0] + ": " + title);
        button.addEventListener("click", function () { move(position, spec[1]); });
        box.appendChild(button);
      });
    return box;
  }

  function logRow(slug, number, data) {
    var row = element("tr");
    row.appendChild(element("th", null, number + ". " + data.exercises[slug].title)).scope = "row";
    for (var day = 0; day < 7; day += 1) { row.appendChild(element("td")); }
    return row;
  }

  function setUpCustomRoutine(sheet, data) {
    var known = data.exercises;
    var fromAddress = chosenFromAddress(known);
    var chosen = fromAddress !== null ? fromAddress : load().filter(function (s) { return known.hasOwnProperty(s); });
    var items = sheet.querySelector("[data-items]");
    var log = sheet.querySelector("[data-log]");

    function move(position, step) {
      var slug = chosen.splice(position, 1)[0];
      if (step !== 0) { chosen.splice(Math.max(0, Math.min(chosen.length, position + step)), 0, slug); }
      show();
    }

    function show() {
      save(chosen);
      var query = chosen.length ? "?e=" + chosen.join(",") : window.location.pathname.split("/").pop();
      window.history.replaceState(null, "", query);
      var step = fitStep(chosen, data);
      items.replaceChildren.apply(items, chosen.map(function (slug, i) {
        return exerciseItem(slug, i, chosen.length, data, move, step[1] > 0);
      }));
      log.replaceChildren.apply(log, chosen.map(function (slug, i) { return logRow(slug, i + 1, data); }));
      sheet.className = "routine sheet fit-" + step[0] + (step[0] === SIZES - 1 ? " run-in" : "") +
        (step[1] ? " pictures-" + step[1] : "");
      document.querySelector("[data-count]").textContent = String(chosen.length);
      document.querySelector("[data-empty]").hidden = chosen.length > 0;
      document.querySelector("[data-link]").value = window.location.href;
    }
    show();
  }

  var holder = document.querySelector("[data-add-exercise]");
  if (holder) { setUpAddControl(holder); }
  var sheet = document.querySelector("[data-custom-sheet]");
  if (sheet && window.exguideData) { setUpCustomRoutine(sheet, window.exguideData); }
}());
