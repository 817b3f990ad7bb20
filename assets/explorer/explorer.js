/* The report's data explorer (helpers/explorer.py writes the page around it).
 *
 * Reads the edition's estimates store (one CSV per language) and shows, for a chosen theme,
 * indicator, breakdown and wave: every group's estimate with its 95% interval and n (chart, summary
 * sentence, table, CSV of exactly those rows) and the trend over the comparable waves for all
 * workers and one group; each group's change since a comparable earlier wave, ranked, with its
 * interval (read from the store of changes, never computed here); Belgium among the EU27 member
 * states and against the EU27 over the waves (the store's European files). Every word comes from the
 * page's configuration (the catalogues); numbers
 * are printed as helpers.i18n prints them. Uses the vendored d3 (CSV) and Observable Plot (charts);
 * requests nothing from any other host. The selection lives in the address (?t=&i=&b=&w=&g=&c=).
 */
(function () {
  "use strict";
  var conf = JSON.parse(document.getElementById("explorer-config").textContent);
  var W = conf.words;
  var COLOURS = { total: "#0072B2", group: "#B84A00", reference: "#595959" };  // >= 3:1 on white
  var CONTROLS = ["theme", "indicator", "breakdown", "wave", "group", "compare"];
  var PARAM = { theme: "t", indicator: "i", breakdown: "b", wave: "w", group: "g", compare: "c" };
  var el = function (id) { return document.getElementById(id); };
  var select = {};
  CONTROLS.forEach(function (c) { select[c] = el("ex-" + c); });

  var columns = [];        // the store's header, in its order
  var index = new Map();   // "indicator|wave|breakdown" -> rows, in store order
  var changeColumns = [];  // the store of changes: header
  var changeIndex = new Map();  // "indicator|before|wave|breakdown" -> rows
  var indicators = new Map(conf.indicators.map(function (d) { return [d.code, d]; }));

  // ------------------------------------------------------------------ words and numbers
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }

  // Python's format(x, ".{d}f"): the exact binary value, rounded half to even on an exact tie
  function fixed(a, d) {
    var text = a.toFixed(d);
    var ext = a.toFixed(d + 30);
    var tail = ext.slice(ext.indexOf(".") + 1 + d);
    if (/^50*$/.test(tail)) {
      var f = Math.floor(a * Math.pow(10, d));
      var n = f % 2 === 0 ? f : f + 1;
      text = (n / Math.pow(10, d)).toFixed(d);
    }
    return text;
  }

  function number(x, d) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    var text = fixed(Math.abs(x), d);
    var parts = text.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, "\u0000");
    var out = whole.split("\u0000").join(conf.number.thousands) + (parts[1] ? conf.number.decimal + parts[1] : "");
    return (x < 0 && Number(text) !== 0 ? "-" : "") + out;
  }

  function value(x, kind) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    if (kind === "share") return fill(conf.number.percent, { x: number(x, 0) }).replace(" %", "\u00a0%");
    return number(x, 1);
  }

  function interval(r) {
    return r.estimate === null ? "–" : value(r.ci_low, r.kind) + " – " + value(r.ci_high, r.kind);
  }

  // as helpers.i18n.lower_first: acronyms and names with other capitalised words stay as they are
  function lowerFirst(text) {
    var upper = function (c) { return c && c === c.toUpperCase() && c !== c.toLowerCase(); };
    if (text.length > 1 && upper(text[1])) return text;
    var name = function (w) { return upper(w.charAt(0)) && w !== w.toUpperCase(); };
    if (text.split(/\s+/).slice(1).some(name)) return text;
    return text.charAt(0).toLowerCase() + text.slice(1);
  }

  // ------------------------------------------------------------------ the store
  function parse(text) {
    var raw = d3.csvParse(text);
    columns = raw.columns;
    raw.forEach(function (r) {
      var row = {
        raw: r, wave: +r.wave, theme: r.theme, indicator: r.indicator, label: r.indicator_label, kind: r.kind,
        unit: r.unit, breakdown: r.breakdown, breakdown_label: r.breakdown_label, group: r.group,
        group_label: r.group_label, estimate: r.estimate === "" ? null : +r.estimate,
        ci_low: r.ci_low === "" ? null : +r.ci_low, ci_high: r.ci_high === "" ? null : +r.ci_high,
        n: +r.n, flag: r.flag, flag_label: r.flag_label, series: r.series, mode_change: r.mode_change === "True"
      };
      var key = row.indicator + "|" + row.wave + "|" + row.breakdown;
      if (!index.has(key)) index.set(key, []);
      index.get(key).push(row);
    });
  }

  function rows(indicator, wave, breakdown) { return index.get(indicator + "|" + wave + "|" + breakdown) || []; }

  function num(text) { return text === "" ? null : +text; }

  function parseChanges(text) {
    var raw = d3.csvParse(text);
    changeColumns = raw.columns;
    raw.forEach(function (r) {
      var row = {
        raw: r, before: +r.wave_before, wave: +r.wave, indicator: r.indicator, label: r.indicator_label, kind: r.kind,
        unit: r.unit, breakdown: r.breakdown, breakdown_label: r.breakdown_label, group: r.group,
        group_label: r.group_label, estimate_before: num(r.estimate_before), estimate_after: num(r.estimate_after),
        n_before: +r.n_before, n_after: +r.n_after, change: num(r.change), ci_low: num(r.ci_low),
        ci_high: num(r.ci_high), flag: r.flag, flag_label: r.flag_label, significant: r.significant === "True",
        risk_change: r.risk_change, mode_change: r.mode_change === "True"
      };
      var key = [row.indicator, row.before, row.wave, row.breakdown].join("|");
      if (!changeIndex.has(key)) changeIndex.set(key, []);
      changeIndex.get(key).push(row);
    });
  }

  // Belgium in Europe: every member state and the EU27 for all workers (the store's europe.csv),
  // Belgium against the EU27 (europe-belgium.csv); loaded after the first views are drawn
  var europeColumns = [];
  var europeIndex = null;    // "indicator|wave" -> the countries' rows for all workers
  var versusIndex = new Map();  // "indicator|wave" -> Belgium's row against the EU27
  function parseEurope(text, versusText) {
    var raw = d3.csvParse(text);
    europeColumns = raw.columns;
    europeIndex = new Map();
    raw.forEach(function (r) {
      if (r.breakdown !== "total") return;
      var row = {
        raw: r, wave: +r.wave, indicator: r.indicator, kind: r.kind, unit: r.unit, country: r.country,
        group_label: r.country_label, estimate: num(r.estimate), ci_low: num(r.ci_low), ci_high: num(r.ci_high),
        n: +r.n, flag: r.flag, flag_label: r.flag_label
      };
      var key = row.indicator + "|" + row.wave;
      if (!europeIndex.has(key)) europeIndex.set(key, []);
      europeIndex.get(key).push(row);
    });
    d3.csvParse(versusText).forEach(function (r) {
      if (r.breakdown !== "total") return;
      versusIndex.set(r.indicator + "|" + r.wave, {
        raw: r, difference: num(r.difference), ci_low: num(r.ci_low), ci_high: num(r.ci_high),
        position: r.position, rank: num(r.rank), ranked: num(r.ranked), estimate_eu27: num(r.estimate_eu27)
      });
    });
  }

  function changeRows(indicator, before, wave, breakdown) {
    return changeIndex.get([indicator, before, wave, breakdown].join("|")) || [];
  }

  function comparableBefore(indicator, wave) {
    return indicators.get(indicator).waves.filter(function (w) {
      return w < wave && changeRows(indicator, w, wave, "total").length > 0;
    });
  }

  // ------------------------------------------------------------------ controls
  function options(sel, items, wanted) {
    var keep = items.some(function (d) { return d.value === wanted; }) ? wanted : items.length ? items[0].value : "";
    sel.replaceChildren.apply(sel, items.map(function (d) {
      var o = document.createElement("option");
      o.value = d.value;
      o.textContent = d.text;
      return o;
    }));
    sel.value = keep;
  }

  function waveText(w) {
    return conf.waves[String(w)] && conf.waves[String(w)].mode_change ? w + " (" + W.telephone + ")" : String(w);
  }

  function refreshControls(wanted) {
    options(select.theme, conf.themes.map(function (t) { return { value: t, text: W.themes[t] }; }), wanted.theme);
    var inds = conf.indicators.filter(function (d) { return d.theme === select.theme.value; });
    options(select.indicator, inds.map(function (d) { return { value: d.code, text: d.label }; }), wanted.indicator);
    options(select.breakdown, conf.breakdowns.map(function (b) { return { value: b.code, text: b.label }; }), wanted.breakdown);
    var ind = indicators.get(select.indicator.value);
    var waves = ind.waves.slice().reverse();
    var wave = wanted.wave && ind.waves.indexOf(+wanted.wave) >= 0 ? String(wanted.wave)
      : String(ind.waves.indexOf(conf.report_wave) >= 0 ? conf.report_wave : ind.waves[ind.waves.length - 1]);
    options(select.wave, waves.map(function (w) { return { value: String(w), text: waveText(w) }; }), wave);
    var groups = rows(ind.code, +select.wave.value, select.breakdown.value);
    options(select.group, groups.map(function (r) { return { value: r.group, text: r.group_label }; }), wanted.group);
    var earlier = comparableBefore(ind.code, +select.wave.value).reverse();
    var compare = wanted.compare && earlier.indexOf(+wanted.compare) >= 0 ? String(wanted.compare)
      : earlier.indexOf(conf.change_base) >= 0 ? String(conf.change_base) : earlier.length ? String(earlier[0]) : "";
    options(select.compare, earlier.length ? earlier.map(function (w) { return { value: String(w), text: waveText(w) }; })
      : [{ value: "", text: W.compare_none }], compare);
  }

  function current() {
    var out = {};
    CONTROLS.forEach(function (c) { out[c] = select[c].value; });
    return out;
  }

  function fromAddress() {
    var p = new URLSearchParams(window.location.search);
    var out = {};
    CONTROLS.forEach(function (c) { if (p.has(PARAM[c])) out[c] = p.get(PARAM[c]); });
    if (out.indicator && indicators.has(out.indicator)) out.theme = indicators.get(out.indicator).theme;
    return out;
  }

  function toAddress(sel) {
    var p = new URLSearchParams();
    CONTROLS.forEach(function (c) { p.set(PARAM[c], sel[c]); });
    history.replaceState(null, "", "?" + p.toString() + window.location.hash);
  }

  // ------------------------------------------------------------------ tables and downloads
  // numeric: one boolean per column, true where the column holds numbers (right-aligned)
  function table(node, caption, head, body, numeric) {
    var cap = document.createElement("caption");
    cap.textContent = caption;
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    head.forEach(function (h, i) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      if (numeric[i]) th.className = "num";
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    var tbody = document.createElement("tbody");
    body.forEach(function (cells) {
      var row = document.createElement("tr");
      cells.forEach(function (c, i) {
        var td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        td.textContent = c;
        if (numeric[i]) td.className = "num";
        row.appendChild(td);
      });
      tbody.appendChild(row);
    });
    var t = document.createElement("table");
    t.className = "table explorer-table";
    t.append(cap, thead, tbody);
    node.replaceChildren(t);
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // A view's downloads, the same four a figure of the report offers: its rows as CSV (the store's
  // columns) and as a spreadsheet (a read-me sheet with the citation, the licence and the
  // selection's address, then the rows, numbers as numbers), its chart as SVG (the citation and
  // licence in its metadata) and as PNG (the citation printed under the chart).
  function download(button, list, name, header) {
    var head = header || columns;
    var view = button.closest("section");
    var title = function () { return view.querySelector(".explorer-title").textContent; };
    var stem = name.replace(/\.csv$/, "");
    button.onclick = function () {
      var text = d3.csvFormat(list.map(function (r) { return r.raw; }), head) + "\n";
      save(new Blob([text], { type: "text/csv;charset=utf-8" }), name);
    };
    el(button.id + "-xlsx").onclick = function () {
      var numeric = head.map(function (c) {
        return list.every(function (r) { return r.raw[c] === "" || r.raw[c] === undefined || !isNaN(Number(r.raw[c])); });
      });
      var cell = function (v, i) {
        if (v === "" || v === undefined) return null;
        return numeric[i] ? { type: Number, value: Number(v) } : { type: String, value: String(v) };
      };
      var readme = [[{ type: String, value: title(), fontWeight: "bold" }], [W.cite], [W.licence],
                    [W.address + ": " + location.href]].map(function (row) {
        return row.map(function (v) { return typeof v === "string" ? { type: String, value: v } : v; });
      });
      var data = [head.map(function (c) { return { type: String, value: c, fontWeight: "bold" }; })].concat(
        list.map(function (r) { return head.map(function (c, i) { return cell(r.raw[c], i); }); }));
      writeXlsxFile([
        { data: readme, sheet: W.readme, columns: [{ width: 110 }] },
        { data: data, sheet: W.data_sheet, stickyRowsCount: 1 },
      ]).toBlob().then(function (blob) { save(blob, stem + ".xlsx"); });
    };
    el(button.id + "-svg").onclick = function () {
      var svg = chartSvg(view, title());
      if (svg) save(new Blob([svg.text], { type: "image/svg+xml;charset=utf-8" }), stem + ".svg");
    };
    el(button.id + "-png").onclick = function () {
      var svg = chartSvg(view, title());
      if (svg) chartPng(svg, function (blob) { save(blob, stem + ".png"); });
    };
  }

  var XML = function (text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  };

  // the view's chart as a standalone SVG: its size, the page's typeface named, the citation and the
  // licence in Dublin Core metadata
  function chartSvg(view, title) {
    var node = view.querySelector(".explorer-chart svg");
    if (!node) return null;
    var copy = node.cloneNode(true);
    var box = node.getBoundingClientRect();
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", Math.round(box.width));
    copy.setAttribute("height", Math.round(box.height));
    copy.style.fontFamily = "'Source Sans 3', sans-serif";  // Plot's "inherit" has nothing to inherit
    var meta = '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" ' +
      'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description><dc:title>' + XML(title) +
      "</dc:title><dc:source>" + XML(W.citation + ". " + title + ". " + location.href) +
      "</dc:source><dc:rights>" + XML(W.licence) + "</dc:rights></rdf:Description></rdf:RDF></metadata>";
    var text = new XMLSerializer().serializeToString(copy).replace(/(<svg\b[^>]*>)/, "$1" + meta);
    return { text: text, width: Math.round(box.width), height: Math.round(box.height), title: title };
  }

  // the page's typeface for the PNG: an image drawn from an SVG sees no font of the page, so the
  // SVG it is drawn from carries the vendored font file itself
  var embeddedFont = null;
  function fontFace() {
    if (!embeddedFont) {
      embeddedFont = fetch(conf.font).then(function (r) { return r.arrayBuffer(); }).then(function (buf) {
        var bytes = new Uint8Array(buf), bin = "";
        for (var i = 0; i < bytes.length; i += 8192) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
        return "@font-face{font-family:'Source Sans 3';src:url(data:font/woff2;base64," + btoa(bin) + ") format('woff2')}";
      }).catch(function () { return ""; });
    }
    return embeddedFont;
  }

  // the chart drawn at twice its size on white, the citation and licence printed under it
  function chartPng(svg, done) {
    fontFace().then(function (face) {
      var text = face ? svg.text.replace(/(<svg\b[^>]*>)/, "$1<style>" + face + "</style>") : svg.text;
      drawPng({ text: text, width: svg.width, height: svg.height, title: svg.title }, done);
    });
  }

  // the chart drawn at twice its size on white: the view's title above it, the citation and the
  // licence under it (an image shared on its own still says what it shows and whose it is)
  function drawPng(svg, done) {
    var scale = 2, pad = 12, line = 16, top = 28;
    var measure = document.createElement("canvas").getContext("2d");
    measure.font = "12px 'Source Sans 3', sans-serif";
    var lines = [""];
    (W.citation + ". " + W.licence).split(" ").forEach(function (w) {
      var next = lines[lines.length - 1] ? lines[lines.length - 1] + " " + w : w;
      if (measure.measureText(next).width > svg.width - 2 * pad && lines[lines.length - 1]) lines.push(w);
      else lines[lines.length - 1] = next;
    });
    var height = top + svg.height + pad + lines.length * line + pad;
    var canvas = document.createElement("canvas");
    canvas.width = svg.width * scale;
    canvas.height = height * scale;
    var ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, svg.width, height);
    var img = new Image();
    img.onload = function () {
      ctx.drawImage(img, 0, top, svg.width, svg.height);
      ctx.fillStyle = "#1a1a1a";
      ctx.font = "bold 15px 'Source Sans 3', sans-serif";
      ctx.fillText(svg.title, pad, top - 10, svg.width - 2 * pad);
      ctx.fillStyle = "#333333";
      ctx.font = "12px 'Source Sans 3', sans-serif";
      lines.forEach(function (t, i) { ctx.fillText(t, pad, top + svg.height + pad + (i + 1) * line - 4); });
      canvas.toBlob(done, "image/png");
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg.text);
  }

  function remark(r) { return r.flag_label; }

  // ------------------------------------------------------------------ charts
  function width(node) { return Math.max(280, Math.min(node.clientWidth || 640, 900)); }

  function plotStyle() { return { fontFamily: "inherit", fontSize: "14px", overflow: "visible" }; }

  function labelled(svg, captionId) {
    // the summary sentence under the chart is its text alternative; the table gives every number.
    // Plot names its mark groups with aria-label, which ARIA does not allow on a <g> without a
    // role: the name moves to data-mark (the tests find the marks by it)
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", captionId);
    svg.querySelectorAll("[aria-label]").forEach(function (n) {
      n.setAttribute("data-mark", n.getAttribute("aria-label"));
      n.removeAttribute("aria-label");
    });
    svg.querySelectorAll("[aria-description]").forEach(function (n) { n.removeAttribute("aria-description"); });
    return svg;
  }
  // the other sources' part of the page (sources.js) fills its words and controls and labels its
  // charts with the same functions
  window.explorerShared = { fill: fill, options: options, labelled: labelled };

  // one row per group, an x axis in the rows' unit: the group names left of the plot on a wide
  // screen, above each row (over the whole width) on a phone
  function rowsPlot(shown, name, marks, o) {
    var axes = [Plot.axisX({ label: shown[0].unit, labelAnchor: "center", labelArrow: "none", labelOffset: 40 })];
    if (o.narrow) {
      marks = marks.concat([Plot.text(shown, { y: name, text: name, frameAnchor: "left", textAnchor: "start", dy: -16,
                                               fill: "currentColor", lineWidth: 30 })]);
    } else {
      axes.push(Plot.axisY({ tickSize: 0, lineWidth: 15, textOverflow: "ellipsis-end" }));
    }
    var svg = Plot.plot({
      width: o.width, height: 80 + (o.narrow ? 52 : 34) * shown.length, marginTop: o.marginTop, marginRight: 64,
      marginBottom: 50, marginLeft: o.narrow ? 12 : 230,
      style: plotStyle(),
      x: { domain: o.domain, label: shown[0].unit },
      y: { domain: shown.map(name), label: null, tickSize: 0, padding: o.narrow ? 0.1 : 0.3 },
      axis: null,
      marks: axes.concat(marks)
    });
    return labelled(svg, o.caption);
  }

  // one row per group (or member state) with its interval, the values in a column of their own;
  // ``reference`` a dashed line with its label (all workers, the EU27); ``highlight(r)`` marks a
  // row (Belgium among the member states): another colour and mark, its name and value in bold
  function estimatesChart(node, list, reference, ind, caption, highlight) {
    var shown = list.filter(function (r) { return r.estimate !== null; });
    if (!shown.length) { node.replaceChildren(); return; }
    var w = width(node);
    var narrow = w < 560;
    var marked = highlight || function () { return false; };
    var name = function (r) { return r.group_label + (r.flag === conf.flags.low ? " *" : ""); };
    var colour = function (r) { return marked(r) ? COLOURS.group : COLOURS.total; };
    var hi = d3.max(shown, function (r) { return r.ci_high; });
    var lo = d3.min(shown, function (r) { return r.ci_low; });
    var domain = ind.kind === "share" ? [0, Math.min(100, Math.max(10, Math.ceil(hi / 10) * 10))] : [Math.min(0, lo), hi * 1.08];
    var marks = [
      Plot.gridX({ stroke: "#d0d0d0", strokeOpacity: 1 }),
      Plot.ruleY(shown, { y: name, x1: "ci_low", x2: "ci_high", stroke: colour,
                          strokeWidth: function (r) { return marked(r) ? 3 : 2; } }),
      Plot.dot(shown, {
        y: name, x: "estimate", r: function (r) { return marked(r) ? 7 : 5.5; }, stroke: colour, strokeWidth: 2,
        symbol: function (r) { return marked(r) ? "diamond2" : "circle"; },
        fill: function (r) { return r.flag === conf.flags.low ? "white" : colour(r); }
      }),
      // the values in a column of their own, right of the plot, clear of intervals and the reference line
      Plot.text(shown, {
        y: name, frameAnchor: "right", dx: 60, textAnchor: "end", fill: "currentColor",
        fontWeight: function (r) { return marked(r) ? "bold" : "normal"; },
        text: function (r) { return value(r.estimate, r.kind); }
      })
    ];
    if (reference && reference.estimate !== null) {
      marks.unshift(Plot.ruleX([reference.estimate], { stroke: COLOURS.reference, strokeDasharray: "5,4", strokeWidth: 1.5 }));
      marks.push(Plot.text([reference.estimate], {
        x: function (d) { return d; }, frameAnchor: "top", dy: narrow ? -40 : -16, fill: COLOURS.reference, textAnchor: "middle",
        text: function () { return fill(W.total_line, { total: reference.label, value: value(reference.estimate, ind.kind) }); }
      }));
    }
    var svg = rowsPlot(shown, name, marks, { width: w, narrow: narrow, domain: domain,
                                             marginTop: narrow ? 58 : 30, caption: caption });
    // the marked row's name in bold, wherever the names are (left of the plot, or above each row)
    svg.querySelectorAll("text").forEach(function (t) {
      if (shown.some(function (r) { return marked(r) && t.textContent === name(r); })) t.setAttribute("font-weight", "bold");
    });
    node.replaceChildren(svg);
  }

  function trendChart(node, points, ind, whoTotal, whoGroup, caption) {
    if (!points.length) { node.replaceChildren(); return; }
    var w = width(node);
    var waves = Array.from(new Set(points.map(function (p) { return String(p.wave); }))).sort();
    var hi = d3.max(points, function (p) { return p.ci_high; });
    var lo = d3.min(points, function (p) { return p.ci_low; });
    var domain = ind.kind === "share" ? [0, Math.min(100, Math.max(10, Math.ceil(hi / 10) * 10))] : [Math.min(0, lo), hi * 1.08];
    var who = [whoTotal, whoGroup];
    var series = who.map(function (name) { return points.filter(function (p) { return p.who === name; }); });
    var marks = [Plot.gridY({ stroke: "#d0d0d0", strokeOpacity: 1 })];
    series.forEach(function (list, i) {
      var dx = i === 0 ? -6 : 6;
      var c = i === 0 ? COLOURS.total : COLOURS.group;
      marks.push(
        Plot.ruleX(list, { x: function (p) { return String(p.wave); }, y1: "ci_low", y2: "ci_high", stroke: c, strokeWidth: 2, dx: dx }),
        Plot.line(list, { x: function (p) { return String(p.wave); }, y: "estimate", stroke: c, strokeWidth: 2.5, dx: dx,
                          strokeDasharray: i === 0 ? null : "7,4" }),
        Plot.dot(list, {
          x: function (p) { return String(p.wave); }, y: "estimate", dx: dx, r: 5.5, stroke: c, strokeWidth: 2,
          symbol: i === 0 ? "circle" : "square",
          fill: function (p) { return p.mode_change ? "white" : c; }
        })
      );
    });
    var svg = Plot.plot({
      width: w, height: 300, marginLeft: 52, marginRight: 24, marginBottom: 44,
      style: plotStyle(),
      x: { type: "point", domain: waves, label: null, padding: 0.4 },
      y: { domain: domain, label: points[0].unit, labelArrow: "none" },
      marks: marks
    });
    node.replaceChildren(labelled(svg, caption || "ex-trend-summary"));
  }

  function legend(whoTotal, whoGroup) {
    var key = function (cls, text) {
      var span = document.createElement("span");
      span.className = "explorer-key " + cls;
      var mark = document.createElement("span");
      mark.className = "explorer-key-mark";
      mark.setAttribute("aria-hidden", "true");
      var label = document.createElement("span");
      label.textContent = text;
      span.append(mark, label);
      return span;
    };
    var p = document.createElement("p");
    p.className = "explorer-legend";
    p.setAttribute("aria-label", W.legend);
    p.append(key("explorer-key-total", whoTotal), key("explorer-key-group", whoGroup));
    return p;
  }

  // ------------------------------------------------------------------ the views
  function showGroups(sel) {
    var ind = indicators.get(sel.indicator);
    var wave = +sel.wave;
    var total = rows(ind.code, wave, "total")[0];
    var list = rows(ind.code, wave, sel.breakdown);
    var breakdown = list.length ? list[0].breakdown_label : "";
    var label = total ? total.label : ind.label;
    el("ex-groups-title").textContent = fill(W.by_group, { indicator: ind.label, breakdown: lowerFirst(breakdown), wave: wave });
    var shown = list.filter(function (r) { return r.estimate !== null; });
    var reliable = shown.filter(function (r) { return r.flag === conf.flags.ok; });
    var flagged = shown.length - reliable.length;
    var values = { indicator: label, breakdown: lowerFirst(breakdown), wave: wave,
                   total: total ? value(total.estimate, ind.kind) : "–" };
    var summary;
    if (reliable.length) {
      var top = reliable.reduce(function (a, b) { return b.estimate > a.estimate ? b : a; });
      var bottom = reliable.reduce(function (a, b) { return b.estimate < a.estimate ? b : a; });
      summary = fill(W.summary, Object.assign(values, {
        top: lowerFirst(top.group_label), top_value: value(top.estimate, ind.kind),
        bottom: lowerFirst(bottom.group_label), bottom_value: value(bottom.estimate, ind.kind) }));
      if (flagged) summary += " " + fill(W.flagged, { count: flagged });
    } else if (shown.length) {
      summary = fill(W.summary_unreliable, Object.assign(values, { low_n: conf.low_n }));
    } else {
      summary = fill(W.summary_total, values);
    }
    el("ex-groups-summary").textContent = summary;
    estimatesChart(el("ex-groups-chart"), list, total && { estimate: total.estimate, label: W.total }, ind,
                   "ex-groups-summary");
    var notes = [W.ci_note];
    if (flagged) notes.push(W.low_note);
    el("ex-groups-notes").textContent = notes.join(" ");
    var hidden = list.filter(function (r) { return r.flag === conf.flags.suppressed; });
    el("ex-suppressed").textContent = hidden.length ? fill(W.suppressed, {
      min_n: conf.min_n,
      groups: hidden.map(function (r) { return fill(W.hidden_group, { group: r.group_label, n: number(r.n, 0) }); }).join(", ") }) : "";
    var h = W.headers;
    var all = (total ? [total] : []).concat(list);
    table(el("ex-groups-table"), el("ex-groups-title").textContent + " (" + (total ? total.unit : "") + ")",
          [h.group, h.estimate, h.ci, h.n, h.flag],
          all.map(function (r) { return [r.group_label, value(r.estimate, r.kind), interval(r), number(r.n, 0), remark(r)]; }),
          [false, true, true, true, false]);
    download(el("ex-download"), all, [sel.indicator, sel.breakdown, sel.wave, conf.lang].join("-") + ".csv");
    return summary;
  }

  function comparableWaves(ind, wave) {
    var series = (rows(ind.code, wave, "total")[0] || {}).series;
    return ind.waves.filter(function (w) {
      var r = rows(ind.code, w, "total")[0];
      return r && r.series === series;
    });
  }

  function showTrend(sel) {
    var ind = indicators.get(sel.indicator);
    var waves = comparableWaves(ind, +sel.wave);
    var pick = function (w, breakdown, group) {
      return rows(ind.code, w, breakdown).filter(function (r) { return r.group === group; })[0];
    };
    var totals = waves.map(function (w) { return pick(w, "total", "total"); });
    var groups = waves.map(function (w) { return pick(w, sel.breakdown, sel.group); }).filter(Boolean);
    var whoTotal = W.total;
    var whoGroup = groups.length ? groups[0].group_label : "";
    el("ex-trend-title").textContent = fill(W.trend, { indicator: ind.label });
    var points = totals.concat(groups).filter(function (r) { return r.estimate !== null; }).map(function (r) {
      return Object.assign({}, r, { who: r.breakdown === "total" ? whoTotal : whoGroup });
    });
    var chart = el("ex-trend-chart");
    trendChart(chart, points, ind, whoTotal, whoGroup);
    if (points.length) chart.prepend(legend(whoTotal, whoGroup));
    var describe = function (list) {
      return list.map(function (r) {
        return fill(W.point, { wave: r.wave, value: value(r.estimate, r.kind) }) + (r.flag === conf.flags.low ? " *" : "");
      }).join(", ");
    };
    var text;
    if (waves.length < 2) {
      text = W.trend_none;
    } else {
      var shownTotals = totals.filter(function (r) { return r.estimate !== null; });
      var shownGroups = groups.filter(function (r) { return r.estimate !== null; });
      text = fill(W.trend_summary, { indicator: whoTotal, values: describe(shownTotals) });
      if (shownGroups.length) text += " " + fill(W.trend_summary, { indicator: whoGroup, values: describe(shownGroups) });
    }
    el("ex-trend-summary").textContent = text;
    var notes = [W.trend_key, W.comparable];
    if (waves.some(function (w) { return conf.waves[String(w)].mode_change; })) notes.push(W.mode_change);
    if (points.some(function (p) { return p.flag === conf.flags.low; })) notes.push(W.low_note);
    el("ex-trend-notes").textContent = notes.join(" ");
    var h = W.headers;
    var both = [];
    waves.forEach(function (w, i) {
      both.push(totals[i]);
      var g = pick(w, sel.breakdown, sel.group);
      if (g) both.push(g);
    });
    table(el("ex-trend-table"), el("ex-trend-title").textContent + " (" + (both.length ? both[0].unit : "") + ")",
          [h.wave, h.group, h.estimate, h.ci, h.n, h.flag],
          both.map(function (r) {
            var mark = r.mode_change ? W.telephone : "";
            return [String(r.wave), r.group_label, value(r.estimate, r.kind), interval(r), number(r.n, 0),
                    [remark(r), mark].filter(Boolean).join("; ")];
          }), [false, false, true, true, true, false]);
    download(el("ex-download-trend"), both, [sel.indicator, "trend", sel.breakdown, sel.group, conf.lang].join("-") + ".csv");
  }

  function changeChart(node, list, ind) {
    var shown = list.filter(function (r) { return r.change !== null; });
    if (!shown.length) { node.replaceChildren(); return; }
    var w = width(node);
    var narrow = w < 560;
    var name = function (r) { return r.group_label + (r.flag === conf.flags.low ? " *" : ""); };
    var span = d3.max(shown, function (r) { return Math.max(Math.abs(r.ci_low), Math.abs(r.ci_high)); }) || 1;
    var colour = function (r) { return r.risk_change === "rose" ? COLOURS.group : r.risk_change === "fell" ? COLOURS.total : COLOURS.reference; };
    var marks = [
      Plot.gridX({ stroke: "#d0d0d0", strokeOpacity: 1 }),
      Plot.ruleX([0], { stroke: "#1a1a1a", strokeWidth: 1.5 }),
      Plot.ruleY(shown, { y: name, x1: "ci_low", x2: "ci_high", stroke: COLOURS.reference, strokeWidth: 2 }),
      // a rise in risk: a filled triangle pointing up; a fall: pointing down; a significant
      // difference across the 2021 change of mode: a filled diamond; none: an open circle
      Plot.dot(shown, {
        y: name, x: "change", r: 6, strokeWidth: 2, stroke: colour,
        symbol: function (r) {
          return r.risk_change === "different_mode" ? "diamond2" : r.risk_change ? "triangle" : "circle";
        },
        rotate: function (r) { return r.risk_change === "fell" ? 180 : 0; },
        fill: function (r) { return r.risk_change ? colour(r) : "white"; }
      }),
      Plot.text(shown, {
        y: name, frameAnchor: "right", dx: 60, textAnchor: "end", fill: "currentColor",
        text: function (r) { return signed(r.change); }
      })
    ];
    node.replaceChildren(rowsPlot(shown, name, marks, { width: w, narrow: narrow, domain: [-span * 1.1, span * 1.1],
                                                        marginTop: narrow ? 30 : 16, caption: "ex-change-summary" }));
  }

  // a change with its sign, as helpers.i18n.signed writes it (one decimal, a true minus sign)
  function signed(x) {
    if (x === null) return "–";
    var text = number(Math.abs(x), 1);
    if (text === number(0, 1)) return text;
    return (x > 0 ? "+" : "\u2212") + text;
  }

  function showChange(sel) {
    var ind = indicators.get(sel.indicator);
    var wave = +sel.wave;
    if (!sel.compare) {
      el("ex-change-title").textContent = fill(W.change_title_none, { indicator: ind.label });
      el("ex-change-summary").textContent = W.change_none;
      ["ex-change-chart", "ex-change-table"].forEach(function (id) { el(id).replaceChildren(); });
      el("ex-change-notes").textContent = "";
      el("ex-download-change").hidden = true;
      return;
    }
    el("ex-download-change").hidden = false;
    var before = +sel.compare;
    var total = changeRows(ind.code, before, wave, "total")[0];
    var list = changeRows(ind.code, before, wave, sel.breakdown).slice();
    var breakdown = list.length ? list[0].breakdown_label : "";
    el("ex-change-title").textContent = fill(W.change_title, { indicator: ind.label, breakdown: lowerFirst(breakdown),
                                                                before: before, wave: wave });
    var sign = { high: 1, low: -1 }[ind.risk] || 1;
    list.sort(function (a, b) {
      if (a.change === null || b.change === null) return (a.change === null) - (b.change === null);
      return sign * b.change - sign * a.change;
    });
    var compared = list.filter(function (r) { return r.change !== null; });
    var names = function (key) {
      var g = compared.filter(function (r) { return r.risk_change === key && r.flag === conf.flags.ok; });
      return g.length ? g.map(function (r) { return lowerFirst(r.group_label); }).join(", ") : W.change_nobody;
    };
    var summary = fill(W.change_summary, {
      indicator: total ? total.label : ind.label, breakdown: lowerFirst(breakdown), before: before, wave: wave,
      compared: compared.length, groups: list.length,
      total: total && total.change !== null ? signed(total.change) + " " + W.units_short[ind.kind] : "–",
      rose: names("rose"), fell: names("fell") });
    if (!ind.risk) summary = fill(W.change_summary_norisk, { indicator: total ? total.label : ind.label,
      breakdown: lowerFirst(breakdown), before: before, wave: wave, compared: compared.length, groups: list.length });
    el("ex-change-summary").textContent = summary;
    changeChart(el("ex-change-chart"), list, ind);
    var notes = [W.change_key, W.change_independent];
    if (compared.some(function (r) { return r.flag === conf.flags.low; })) notes.push(W.low_note);
    if (list.some(function (r) { return r.flag === conf.flags.suppressed; })) notes.push(fill(W.change_hidden, { min_n: conf.min_n }));
    if (total && total.mode_change) notes.push(W.mode_change);
    el("ex-change-notes").textContent = notes.join(" ");
    var h = W.headers;
    var all = (total ? [total] : []).concat(list);
    var f = function (x) { return value(x, ind.kind); };
    table(el("ex-change-table"), el("ex-change-title").textContent + " (" + (total ? total.unit : "") + ")",
          [h.group, String(before), String(wave), W.change_header, h.n, h.flag],
          all.map(function (r) {
            var what = r.risk_change ? W["risk_" + r.risk_change] : r.significant ? W.significant : "";
            return [r.group_label, f(r.estimate_before), f(r.estimate_after),
                    r.change === null ? "–" : signed(r.change) + " (" + signed(r.ci_low) + " – " + signed(r.ci_high) + ")",
                    number(r.n_before, 0) + " / " + number(r.n_after, 0),
                    [what, r.flag_label].filter(Boolean).join("; ")];
          }), [false, true, true, true, true, false]);
    download(el("ex-download-change"), all,
             [sel.indicator, sel.breakdown, before, sel.wave, conf.lang].join("-") + ".csv", changeColumns);
  }

  function europeRows(indicator, wave) { return (europeIndex && europeIndex.get(indicator + "|" + wave)) || []; }

  function showEurope(sel) {
    var ind = indicators.get(sel.indicator);
    var wave = +sel.wave;
    el("ex-europe-title").textContent = fill(W.europe_title, { indicator: ind.label, wave: wave });
    if (!europeIndex) {
      el("ex-europe-summary").textContent = W.europe_loading;
      return;
    }
    var all = europeRows(ind.code, wave);
    var eu = all.filter(function (r) { return r.country === conf.eu27; })[0];
    var states = all.filter(function (r) { return r.country !== conf.eu27; }).sort(function (a, b) {
      if (a.estimate === null || b.estimate === null) return (a.estimate === null) - (b.estimate === null);
      return b.estimate - a.estimate;
    });
    var be = states.filter(function (r) { return r.country === conf.belgium; })[0];
    var vs = versusIndex.get(ind.code + "|" + wave);
    var shown = states.filter(function (r) { return r.estimate !== null; });
    var summary;
    if (be && be.estimate !== null && vs && vs.position && shown.length) {
      var top = shown[0], bottom = shown[shown.length - 1];
      summary = fill(W.europe_summary, {
        indicator: ind.label, wave: wave, value: value(be.estimate, ind.kind), eu27: value(eu ? eu.estimate : null, ind.kind),
        position: W.europe_position[vs.position], rank: vs.rank, ranked: vs.ranked,
        high: value(top.estimate, ind.kind), high_country: top.group_label,
        low: value(bottom.estimate, ind.kind), low_country: bottom.group_label });
    } else {
      summary = fill(W.europe_summary_none, { indicator: ind.label, wave: wave });
    }
    el("ex-europe-summary").textContent = summary;
    estimatesChart(el("ex-europe-chart"), states, eu && { estimate: eu.estimate, label: eu.group_label }, ind,
                   "ex-europe-summary", function (r) { return r.country === conf.belgium; });
    var notes = [W.europe_key];
    if (shown.some(function (r) { return r.flag === conf.flags.low; })) notes.push(W.low_note);
    var hidden = states.filter(function (r) { return r.flag === conf.flags.suppressed; });
    if (hidden.length) notes.push(fill(W.suppressed, { min_n: conf.min_n,
      groups: hidden.map(function (r) { return fill(W.hidden_group, { group: r.group_label, n: number(r.n, 0) }); }).join(", ") }));
    el("ex-europe-notes").textContent = notes.join(" ");
    var h = W.headers;
    var list = (eu ? [eu] : []).concat(states);
    table(el("ex-europe-table"), el("ex-europe-title").textContent + " (" + (list.length ? list[0].unit : "") + ")",
          [W.country, h.estimate, h.ci, h.n, h.flag],
          list.map(function (r) { return [r.group_label, value(r.estimate, r.kind), interval(r), number(r.n, 0), remark(r)]; }),
          [false, true, true, true, false]);
    download(el("ex-download-europe"), list, [sel.indicator, "europe", sel.wave, conf.lang].join("-") + ".csv", europeColumns);
  }

  // Belgium and the EU27 over the waves of the same series as the chosen wave's
  function showEuropeTrend(sel) {
    var ind = indicators.get(sel.indicator);
    el("ex-europe-trend-title").textContent = fill(W.europe_trend_title, { indicator: ind.label });
    if (!europeIndex) return;
    var waves = comparableWaves(ind, +sel.wave);
    var pick = function (w, country) { return europeRows(ind.code, w).filter(function (r) { return r.country === country; })[0]; };
    var eus = waves.map(function (w) { return pick(w, conf.eu27); }).filter(Boolean);
    var bes = waves.map(function (w) { return pick(w, conf.belgium); }).filter(Boolean);
    var whoEu = eus.length ? eus[0].group_label : conf.eu27;
    var whoBe = bes.length ? bes[0].group_label : conf.belgium;
    var modes = function (r) { return Object.assign({}, r, { mode_change: conf.waves[String(r.wave)].mode_change }); };
    var points = eus.map(function (r) { return Object.assign(modes(r), { who: whoEu }); })
      .concat(bes.map(function (r) { return Object.assign(modes(r), { who: whoBe }); }))
      .filter(function (p) { return p.estimate !== null; });
    var chart = el("ex-europe-trend-chart");
    trendChart(chart, points, ind, whoEu, whoBe, "ex-europe-trend-summary");
    if (points.length) chart.prepend(legend(whoEu, whoBe));
    var describe = function (list) {
      return list.filter(function (r) { return r.estimate !== null; }).map(function (r) {
        return fill(W.point, { wave: r.wave, value: value(r.estimate, r.kind) }) + (r.flag === conf.flags.low ? " *" : "");
      }).join(", ");
    };
    el("ex-europe-trend-summary").textContent = waves.length < 2 ? W.europe_trend_none
      : fill(W.europe_trend_summary, { who: whoBe, values: describe(bes) }) + " " +
        fill(W.europe_trend_summary, { who: whoEu, values: describe(eus) });
    var notes = [W.europe_trend_key, W.comparable];
    if (waves.some(function (w) { return conf.waves[String(w)].mode_change; })) notes.push(W.mode_change);
    el("ex-europe-trend-notes").textContent = notes.join(" ");
    var h = W.headers;
    var both = [];
    waves.forEach(function (w) { [pick(w, conf.belgium), pick(w, conf.eu27)].filter(Boolean).forEach(function (r) { both.push(r); }); });
    var diff = function (r) {
      var vs = versusIndex.get(ind.code + "|" + r.wave);
      if (r.country !== conf.belgium || !vs || vs.difference === null) return "";
      return signed(vs.difference) + " (" + signed(vs.ci_low) + " – " + signed(vs.ci_high) + "); " + W.europe_position[vs.position];
    };
    table(el("ex-europe-trend-table"), el("ex-europe-trend-title").textContent + " (" + (both.length ? both[0].unit : "") + ")",
          [h.wave, W.country, h.estimate, h.ci, h.n, W.difference, h.flag],
          both.map(function (r) {
            return [String(r.wave), r.group_label, value(r.estimate, r.kind), interval(r), number(r.n, 0), diff(r), remark(r)];
          }), [false, false, true, true, true, false, false]);
    download(el("ex-download-europe-trend"), both,
             [sel.indicator, "europe-trend", sel.wave, conf.lang].join("-") + ".csv", europeColumns);
  }

  function update(wanted) {
    refreshControls(wanted);
    var sel = current();
    var summary = showGroups(sel);
    showTrend(sel);
    showChange(sel);
    showEurope(sel);
    showEuropeTrend(sel);
    toAddress(sel);
    el("ex-status").textContent = summary;
  }

  // ------------------------------------------------------------------ start
  function start() {
    CONTROLS.forEach(function (c) {
      select[c].addEventListener("change", function () { update(current()); });
    });
    // charts are drawn at their container's width: draw again when that width changes
    var timer = null;
    var drawnAt = null;
    new ResizeObserver(function (entries) {
      var w = Math.round(entries[0].contentRect.width);
      if (drawnAt === null) { drawnAt = w; return; }
      if (w === drawnAt) return;
      drawnAt = w;
      clearTimeout(timer);
      timer = setTimeout(function () { update(current()); }, 100);
    }).observe(el("ex-groups-chart"));
    // the status line announces each new selection's summary to screen readers; sighted readers
    // read the same sentence under the chart
    el("ex-status").classList.add("visually-hidden");
    update(fromAddress());
    document.getElementById("explorer").setAttribute("data-ready", "true");
  }

  var get = function (url) {
    return fetch(url).then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); });
  };
  Promise.all([get(conf.store), get(conf.changes)])
    .then(function (texts) {
      parse(texts[0]); parseChanges(texts[1]); start();
      // the member states' file is the largest (several MB): read only when the reader comes near
      // the country view (or arrives at it by its address), not on every visit from a phone
      return new Promise(function (near) {
        if (window.location.hash === "#ex-europe" || !("IntersectionObserver" in window)) { near(); return; }
        var seen = new IntersectionObserver(function (entries) {
          if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); near(); }
        }, { rootMargin: "800px 0px" });
        seen.observe(el("ex-europe"));
      }).then(function () {
        return Promise.all([get(conf.europe), get(conf.europe_belgium)]);
      }).then(function (more) {
        parseEurope(more[0], more[1]);
        update(current());
        document.getElementById("explorer").setAttribute("data-europe", "true");
      });
    })
    .catch(function () {
      el("ex-status").textContent = W.failed;
      el("ex-status").classList.add("explorer-failed");
    });
})();
