/* Full-text search over the index the build writes as small scripts (assets/search/), so that it
   works from a web server and from a copy of the site opened from disk. A query loads only the
   shards its words need. Every word must match; the last one may be the start of a word. */
(function () {
  "use strict";
  var script = document.currentScript;
  var indexFolder = script.getAttribute("data-index");
  var results = document.querySelector("[data-search-results]");
  var status = document.querySelector("[data-search-status]");
  var input = document.querySelector("[data-search-input]");
  var perShard = Number(results.getAttribute("data-documents-per-shard"));
  var shards = {terms: {}, docs: {}};
  var waiting = {};
  var latest = 0;

  window.exguideSearch = {
    loaded: function (kind, name, data) {
      shards[kind][name] = data;
      (waiting[kind + name] || []).forEach(function (done) { done(data); });
      delete waiting[kind + name];
    }
  };

  function load(kind, name) {
    return new Promise(function (resolve) {
      if (shards[kind][name] !== undefined) { resolve(shards[kind][name]); return; }
      var key = kind + name;
      if (!waiting[key]) {
        waiting[key] = [];
        var tag = document.createElement("script");
        tag.src = indexFolder + kind + "-" + name + ".js";
        tag.onerror = function () { window.exguideSearch.loaded(kind, name, {}); }; /* no such shard */
        document.head.appendChild(tag);
      }
      waiting[key].push(resolve);
    });
  }

  function termsOf(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/[^\p{L}\p{N}]+/u).filter(function (word) { return word.length > 1; });
  }

  function shardOf(term) {
    return term.slice(0, 2).replace(/[^a-z0-9]/g, "_");
  }

  function matches(term, isLast) {
    return load("terms", shardOf(term)).then(function (entries) {
      var scores = {};
      Object.keys(entries).forEach(function (candidate) {
        var exact = candidate === term;
        if (exact || (isLast && candidate.indexOf(term) === 0)) {
          entries[candidate].forEach(function (hit) {
            scores[hit[0]] = (scores[hit[0]] || 0) + hit[1] * (exact ? 2 : 1);
          });
        }
      });
      return scores;
    });
  }

  function search(query) {
    var terms = termsOf(query);
    if (!terms.length) { return Promise.resolve([]); }
    return Promise.all(terms.map(function (term, i) { return matches(term, i === terms.length - 1); }))
      .then(function (perTerm) {
        var found = Object.keys(perTerm[0]).filter(function (doc) {
          return perTerm.every(function (scores) { return scores[doc] !== undefined; });
        }).map(function (doc) {
          return {doc: Number(doc), score: perTerm.reduce(function (sum, s) { return sum + s[doc]; }, 0)};
        });
        found.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
        return found.slice(0, 50);
      });
  }

  // As a card's thumbnail: [WebP or null (a drawing), the image's file, width, height].
  function thumbnail(files) {
    var picture = document.createElement("picture");
    picture.className = "thumbnail";
    if (files[0]) {
      var source = document.createElement("source");
      source.type = "image/webp";
      source.srcset = files[0];
      picture.appendChild(source);
    }
    var image = document.createElement("img");
    image.src = files[1];
    image.width = files[2];
    image.height = files[3];
    image.alt = "";
    image.loading = "lazy";
    image.decoding = "async";
    picture.appendChild(image);
    return picture;
  }

  function show(query, found) {
    var needed = Array.from(new Set(found.map(function (hit) { return Math.floor(hit.doc / perShard); })));
    return Promise.all(needed.map(function (n) { return load("docs", String(n)); })).then(function () {
      results.replaceChildren.apply(results, found.map(function (hit) {
        var doc = shards.docs[String(Math.floor(hit.doc / perShard))][hit.doc % perShard];
        var item = document.createElement("li");
        item.className = "card";
        var heading = document.createElement("h2");
        var link = document.createElement("a");
        link.href = doc.url;
        link.textContent = doc.title;
        heading.appendChild(link);
        var summary = document.createElement("p");
        summary.textContent = doc.summary;
        if (doc.thumbnail) item.appendChild(thumbnail(doc.thumbnail));
        item.appendChild(heading);
        item.appendChild(summary);
        return item;
      }));
      status.textContent = query.trim() === "" ? "" :
        found.length + (found.length === 1 ? " exercise matches" : " exercises match") + " “" + query.trim() + "”.";
    });
  }

  function run() {
    var query = input.value;
    var ticket = ++latest;
    var text = query.trim();
    window.history.replaceState(null, "", text ? "?q=" + encodeURIComponent(text) : "index.html");
    search(query).then(function (found) { if (ticket === latest) { return show(query, found); } });
  }

  input.value = new URLSearchParams(window.location.search).get("q") || "";
  input.addEventListener("input", run);
  document.querySelector("[data-search-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  run();
}());
