/* The data explorer's other sources (helpers.explorer.sources_section): every published value of
   data/reference/, chosen by source and series, as a chart (vendored Observable Plot) and a table
   with the address of each value. Words and values come from the page's JSON (no request). */
(function () {
  "use strict";
  var conf = JSON.parse(document.getElementById("sources-config").textContent);
  var W = conf.words;
  var el = function (id) { return document.getElementById(id); };
  var sourceSel = el("src-source"), seriesSel = el("src-series");

  var shared = window.explorerShared;  // from explorer.js, loaded before this script
  var fill = shared.fill, options = shared.options;
  var numberFormat = new Intl.NumberFormat(conf.locale);
  function number(x) { return numberFormat.format(x); }
  function seriesOf(source) { return conf.series.filter(function (s) { return s.source === source; }); }

  function refresh(wanted) {
    options(sourceSel, conf.sources.map(function (s) { return { value: s.code, text: s.label }; }), wanted.source);
    options(seriesSel, seriesOf(sourceSel.value).map(function (s) { return { value: s.key, text: s.label }; }), wanted.series);
    draw();
  }

  function draw() {
    var s = conf.series.filter(function (x) { return x.key === seriesSel.value; })[0];
    if (!s) return;
    var src = conf.sources.filter(function (x) { return x.code === s.source; })[0];
    var rows = s.rows;
    el("src-title").textContent = s.label;
    var groups = Array.from(new Set(rows.map(function (r) { return r.group; })));
    var years = Array.from(new Set(rows.map(function (r) { return r.year; }))).sort(function (a, b) { return a - b; });
    // a chart where it says something: several years, or several groups
    var chart = el("src-chart");
    chart.replaceChildren();
    if (typeof Plot !== "undefined" && rows.length > 1) {
      // lines join consecutive years only, never across a break: a year without a published value stays a gap
      var seg = 0, last = {};
      rows.forEach(function (r) {
        var prev = last[r.group];
        var broken = prev !== undefined && s.break_years.some(function (b) { return prev.year < b && b <= r.year; });
        if (prev === undefined || r.year - prev.year !== 1 || broken) seg += 1;
        r.segment = r.group + "|" + seg;
        last[r.group] = r;
      });
      var own = rows.filter(function (r) { return !r.third_party; });
      var others = rows.filter(function (r) { return r.third_party; });
      var marks = years.length > 1
        ? [Plot.line(rows, { x: "year", y: "value", z: "segment", stroke: "group", strokeWidth: 2 }),
           Plot.dot(own, { x: "year", y: "value", fill: "group", stroke: "group", r: 4 }),
           Plot.dot(others, { x: "year", y: "value", fill: "white", stroke: "group", r: 4, strokeWidth: 2 })]
        : [Plot.barX(own, { y: "group", x: "value", fill: "#0072B2" }),
           Plot.barX(others, { y: "group", x: "value", fill: "white", stroke: "#0072B2", strokeWidth: 2 })];
      var svg = Plot.plot({
        width: Math.max(280, Math.min(chart.clientWidth || 640, 900)), marginLeft: years.length > 1 ? 60 : 220,
        style: { fontFamily: "inherit", fontSize: "14px", overflow: "visible" },
        x: years.length > 1 ? { label: null, tickFormat: "d" } : { label: s.unit, grid: true, tickFormat: number },
        y: years.length > 1 ? { label: s.unit, grid: true, zero: true, tickFormat: number } : { label: null },
        color: groups.length > 1 && years.length > 1 ? { legend: true, range: ["#0072B2", "#D55E00", "#007A5E", "#1A1A1A"] } : { range: ["#0072B2"] },
        marks: marks.concat([Plot.ruleY([0])])
      });
      chart.append(shared.labelled(svg, "src-summary"));
    }
    el("src-summary").textContent = fill(W.summary, { series: s.label, count: rows.length,
      first: years[0], last: years[years.length - 1] });
    var notes = [W.third_party, fill(W.source_line, { name: src.label, address: src.address })];
    if (s.breaks.length) notes.unshift(s.breaks.join(" "));
    el("src-notes").textContent = notes.join(" ");
    // the table: every value with its origin and the page it was read on
    var t = document.createElement("table");
    t.className = "table explorer-table";
    var cap = document.createElement("caption");
    cap.textContent = s.label;
    var head = document.createElement("tr");
    W.headers.forEach(function (h, i) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = h;
      if (i === 3) th.className = "num";
      head.appendChild(th);
    });
    var thead = document.createElement("thead"); thead.appendChild(head);
    var tbody = document.createElement("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      [r.year, r.geo_label, r.group_label, r.text, r.origin_label].forEach(function (c, i) {
        var td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        if (i === 3) td.className = "num";
        td.textContent = c;
        tr.appendChild(td);
      });
      var link = document.createElement("td");
      var a = document.createElement("a");
      a.href = r.address; a.textContent = r.publisher; a.lang = r.title_lang || "";
      link.appendChild(a);
      tr.appendChild(link);
      tbody.appendChild(tr);
    });
    t.append(cap, thead, tbody);
    el("src-table").replaceChildren(t);
  }

  sourceSel.addEventListener("change", function () { refresh({ source: sourceSel.value }); });
  seriesSel.addEventListener("change", draw);
  refresh({});
})();
