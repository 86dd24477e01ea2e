/* Charts of the leaders' dashboard and its big-screen mode.
 * Data come from the json_script tag #dashboard-data (reports/selectors.py builds them);
 * every bar or point carries the URL of the records behind it, and a click opens it.
 * The big screen re-reads the data from data-refresh-url every data-refresh-seconds. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var payload = JSON.parse(source.textContent);
  var L = payload.labels;  // translated on the server
  var screen = document.body.classList.contains("screen");
  var theme = screen ? "dark" : null;
  var charts = {};

  function withUrls(data, urls) {
    return data.map(function (value, i) { return { value: value, url: urls ? urls[i] : null }; });
  }

  function base(extra) {
    var option = {
      backgroundColor: "transparent",
      tooltip: { trigger: "axis" },
      // A plain legend wraps onto more lines instead of paging and cutting names short.
      legend: { bottom: 0, type: "plain" },
      grid: { left: 16, right: 16, top: 32, bottom: 64, containLabel: true },
      textStyle: { fontSize: screen ? 14 : 12 }
    };
    return Object.assign(option, extra);
  }

  // The trends start at the first year with any figure: years before the records began are not
  // drawn as empty columns.
  function fromFirstYear(t) {
    var all = t.counts.concat(t.amounts, t.rates);
    var first = t.years.findIndex(function (_y, i) {
      return all.some(function (s) { return s.data[i] !== null && s.data[i] !== undefined && s.data[i] !== 0; });
    });
    if (first <= 0) { return t; }
    function cut(s) {
      return Object.assign({}, s, { data: s.data.slice(first), urls: s.urls ? s.urls.slice(first) : s.urls });
    }
    return { years: t.years.slice(first), counts: t.counts.map(cut), amounts: t.amounts.map(cut), rates: t.rates.map(cut) };
  }

  // The legend wraps onto as many lines as its names need; the plot leaves room for them, so
  // the legend never sits on the axis's labels.
  function fitLegend(option, width) {
    var size = (option.textStyle && option.textStyle.fontSize) || 12;
    var widths = (option.series || []).map(function (s) { return String(s.name).length * size + 40; });
    var lines = 1, used = 0;
    widths.forEach(function (w) {
      if (used && used + w > width - 20) { lines += 1; used = 0; }
      used += w;
    });
    option.grid = Object.assign({}, option.grid, { bottom: 12 + lines * (size + 10) });
    return option;
  }

  var builders = {
    trendCounts: function (p) {
      var t = fromFirstYear(p.charts.trends);
      return base({
        xAxis: { type: "category", data: t.years },
        yAxis: { type: "value", name: L.countsAxis, minInterval: 1 },
        series: t.counts.map(function (s) {
          return { name: s.name, type: "line", data: withUrls(s.data, s.urls) };
        })
      });
    },
    trendRates: function (p) {
      var t = fromFirstYear(p.charts.trends);
      var series = t.amounts.map(function (s) {
        return { name: s.name + "（" + s.unit + "）", type: "bar", yAxisIndex: 0,
                 data: withUrls(s.data, s.urls), barMaxWidth: 28 };
      }).concat(t.rates.map(function (s) {
        return { name: s.name + "（%）", type: "line", yAxisIndex: 1,
                 data: withUrls(s.data, s.urls) };
      }));
      return base({
        xAxis: { type: "category", data: t.years },
        yAxis: [{ type: "value", name: L.amountAxis }, { type: "value", name: "%", max: 100 }],
        series: series
      });
    },
    townships: function (p) {
      var t = p.charts.townships;
      return base({
        grid: { left: 16, right: 16, top: 32, bottom: 64, containLabel: true },
        // every township named: slanted when many, never every other one
        xAxis: { type: "category", data: t.names,
                 axisLabel: { interval: 0, hideOverlap: false, rotate: t.names.length > 6 ? 40 : 0 } },
        yAxis: [{ type: "value", name: L.townshipAxis, minInterval: 1 }, { type: "value", name: "%", max: 100 }],
        series: [
          { name: L.coverageRate, type: "line", yAxisIndex: 1, data: withUrls(t.coverage_rate, t.coverage_urls) },
          { name: L.sme, type: "bar", data: withUrls(t.sme, t.sme_urls) },
          { name: L.hitech, type: "bar", data: withUrls(t.hitech, t.hitech_urls) },
          { name: L.visits, type: "bar", data: withUrls(t.visits, t.visits_urls) }
        ]
      });
    },
    platforms: function (p) {
      var t = p.charts.platforms;
      return base({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: t.kinds, axisLabel: { interval: 0, hideOverlap: false } },
        series: t.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "level", data: withUrls(s.data, s.urls) };
        })
      });
    },
    talents: function (p) {
      var t = p.charts.talents;
      return base({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        // Every step named, on two short lines rather than slanted over one another.
        xAxis: { type: "category", data: t.steps,
                 axisLabel: { interval: 0, formatter: function (v) { return v.length > 2 ? v.slice(0, 2) + "\n" + v.slice(2) : v; } } },
        yAxis: { type: "value", name: L.projectsAxis, minInterval: 1 },
        series: [
          { name: L.reached, type: "bar", data: withUrls(t.reached, t.urls) },
          { name: L.passed, type: "bar", data: withUrls(t.passed, t.urls) }
        ]
      });
    },
    months: function (p) {
      var t = p.charts.months;
      return base({
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value", name: L.timesAxis, minInterval: 1 },
        series: t.series.map(function (s) {
          return { name: s.name, type: "bar", data: withUrls(s.data, s.urls) };
        })
      });
    }
  };

  // A chart without a single non-zero figure says so instead of drawing empty axes.
  function isEmpty(option) {
    return !(option.series || []).some(function (s) {
      return (s.data || []).some(function (d) { return d && d.value; });
    });
  }

  function draw(p) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      if (!builders[name]) { return; }
      if (!charts[name]) {
        charts[name] = echarts.init(el, theme);
        charts[name].on("click", function (params) {
          if (params.data && params.data.url) { window.location.href = params.data.url; }
        });
      }
      var option = fitLegend(builders[name](p), el.clientWidth);
      if (isEmpty(option)) {
        option.title = { text: L.empty, left: "center", top: "middle",
                         textStyle: { color: "#999", fontSize: 14, fontWeight: "normal" } };
      }
      charts[name].setOption(option, true);
    });
  }

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (name) { charts[name].resize(); });
    draw(payload); // the legends' lines follow the new width
  });
  draw(payload);

  if (!screen) { return; }

  // ---- big screen: clock, full screen, refresh ----
  var clock = document.querySelector("[data-clock]");
  function tick() { if (clock) { clock.textContent = new Date().toLocaleString("zh-CN", { hour12: false }); } }
  tick();
  setInterval(tick, 1000);

  var fullscreen = document.querySelector("[data-fullscreen]");
  if (fullscreen) {
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen(); }
    });
  }

  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (content !== undefined && content !== null) { el.textContent = content; }
    return el;
  }

  function drawKpis(p) {
    var box = document.querySelector("[data-screen-kpis]");
    if (!box) { return; }
    box.replaceChildren.apply(box, p.kpis.map(function (k) {
      var card = text("div", "screen-kpi " + (k.status || ""));
      card.appendChild(text("div", "label", k.label));
      var value = text("div", "value");
      var link = text("a", null, k.display);
      link.href = k.url || "#";
      value.appendChild(link);
      value.appendChild(text("span", "unit", k.unit));
      card.appendChild(value);
      var meta = L.last + " " + k.last_display;
      if (k.target !== null) { meta += " · " + L.target + " " + k.target_display + " · " + k.progress + "%"; }
      card.appendChild(text("div", "meta", meta));
      if (k.drift_display) { card.appendChild(text("div", "meta drift", k.drift_display)); }
      return card;
    }));
    var generated = document.querySelector("[data-generated]");
    if (generated) { generated.textContent = p.generated_at; }
    var closed = document.querySelector("[data-closed]");
    if (closed) { closed.textContent = p.closed || ""; closed.hidden = !p.closed; }
  }

  var refresh = document.querySelector("[data-refresh-url]");
  if (refresh) {
    var seconds = parseInt(refresh.getAttribute("data-refresh-seconds"), 10) || 60;
    setInterval(function () {
      fetch(refresh.getAttribute("data-refresh-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (fresh) { payload = fresh; drawKpis(fresh); draw(fresh); })
        .catch(function () { /* keep the last figures on screen; try again next time */ });
    }, seconds * 1000);
  }
})();
