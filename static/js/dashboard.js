/*
 * 数据看板 (templates/reports/dashboard.html): draws each chart with ECharts and shows the
 * period picker's inputs for the chosen kind.
 *
 * Each chart is a <div data-chart="ID"> whose data (core.reporting.Chart as JSON) is in
 * <script type="application/json" id="ID"> — data, not code, so the CSP allows it. Kinds:
 * "pie", "bar" (categories × series, drawn as horizontal bars: unit names stay readable on
 * a phone), "pyramid" (two series, 男 to the left and 女 to the right) and "trend"
 * (categories along the bottom, months say; each series a bar or a line, by its "kind",
 * against the left axis or, with "axis" 1, a right one — a rate beside counts). A chart with
 * data-drill-url opens a child unit's dashboard when its bar is clicked: the URL ends in
 * "unit=" and the chart's links[i] is appended. Tooltips are drawn on the canvas
 * (renderMode "richText"): ECharts' HTML tooltips carry style attributes the CSP refuses.
 * Nothing moves for a reader who asked for reduced motion.
 */
(function () {
  "use strict";

  const PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#757575"];
  const MEN = "#1565c0";
  const WOMEN = "#c62828";
  const phone = window.matchMedia("(max-width: 575.98px)");
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");
  const charts = [];

  function number(value) {
    return typeof value === "number" ? value : Number(value);
  }

  function tooltip(extra) {
    return Object.assign({ renderMode: "richText", confine: true }, extra);
  }

  function pie(data) {
    const values = data.series[0].values;
    return {
      color: PALETTE,
      tooltip: tooltip({ trigger: "item", formatter: "{b}：{c}人（{d}%）" }),
      legend: { type: "scroll", bottom: 0 },
      series: [
        {
          type: "pie",
          name: data.series[0].name,
          radius: phone.matches ? ["28%", "55%"] : ["35%", "65%"],
          center: ["50%", "45%"],
          // On a phone the names would be cut short beside the pie: the legend names them.
          label: { show: !phone.matches, formatter: "{b}\n{d}%" },
          data: data.categories.map(function (name, index) {
            return { name: name, value: number(values[index]) };
          }),
        },
      ],
    };
  }

  function counts(data) {
    return data.series.every(function (series) {
      return series.values.every(function (value) {
        return Number.isInteger(number(value));
      });
    });
  }

  // Horizontal bars, the first category at the top.
  function bar(data) {
    const categories = data.categories.slice().reverse();
    return {
      color: PALETTE,
      tooltip: tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
      legend: data.series.length > 1 ? { top: 0 } : { show: false },
      grid: { left: 8, right: 40, top: data.series.length > 1 ? 28 : 8, bottom: 8 },
      // People are counted in whole numbers: no 0.5 on the axis.
      xAxis: counts(data) ? { type: "value", minInterval: 1 } : { type: "value" },
      yAxis: {
        type: "category",
        data: categories,
        axisLabel: { width: phone.matches ? 80 : 140, overflow: "truncate" },
      },
      series: data.series.map(function (series) {
        return {
          type: "bar",
          name: series.name,
          data: series.values.map(number).reverse(),
          barMaxWidth: 28,
          label: { show: true, position: "right" },
        };
      }),
    };
  }

  function pyramid(data) {
    const men = data.series[0];
    const women = data.series[1];
    function absolute(value) {
      return Math.abs(number(value));
    }
    return {
      color: [MEN, WOMEN],
      tooltip: tooltip({
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          return [items[0].name]
            .concat(
              items.map(function (item) {
                return item.seriesName + "：" + absolute(item.value) + "人";
              }),
            )
            .join("\n");
        },
      }),
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: 8 },
      // Symmetric, so that the two sides compare at a glance.
      xAxis: {
        type: "value",
        minInterval: 1,
        min: function (extent) {
          return -Math.max(-extent.min, extent.max);
        },
        max: function (extent) {
          return Math.max(-extent.min, extent.max);
        },
        axisLabel: { formatter: absolute },
      },
      yAxis: { type: "category", data: data.categories, axisTick: { show: false } },
      series: [
        {
          type: "bar",
          name: men.name,
          stack: "people",
          data: men.values.map(function (value) {
            return -number(value);
          }),
        },
        { type: "bar", name: women.name, stack: "people", data: women.values.map(number) },
      ],
    };
  }

  // Vertical bars and lines over the categories; a null value is a gap (a month with no rate).
  function trend(data) {
    const right = data.series.some(function (series) {
      return series.axis === 1;
    });
    const axes = [{ type: "value", minInterval: 1 }];
    if (right) axes.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } });
    return {
      color: PALETTE,
      tooltip: tooltip({ trigger: "axis" }),
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { rotate: phone.matches ? 45 : 0 } },
      yAxis: axes,
      series: data.series.map(function (series) {
        return {
          type: series.kind === "line" ? "line" : "bar",
          name: series.name,
          yAxisIndex: right && series.axis === 1 ? 1 : 0,
          connectNulls: false,
          barMaxWidth: 28,
          data: series.values.map(function (value) {
            return value === null ? null : number(value);
          }),
        };
      }),
    };
  }

  const OPTIONS = { pie: pie, bar: bar, pyramid: pyramid, trend: trend };

  function draw(element) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || typeof window.echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const build = OPTIONS[data.kind];
    if (!build) return;
    if (data.kind === "bar") {
      // Room for every bar: 28 px each, never less than the box's starting height.
      const wanted = data.categories.length * 28 * data.series.length + 48;
      if (wanted > element.clientHeight) element.style.height = wanted + "px";
    }
    const chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: !still.matches }, build(data)));
    const drill = element.dataset.drillUrl;
    if (drill && data.links && data.links.length) {
      chart.on("click", function (params) {
        const count = data.categories.length;
        // Bars are drawn reversed (first category on top).
        const index = data.kind === "bar" ? count - 1 - params.dataIndex : params.dataIndex;
        const link = data.links[index];
        if (link !== undefined) window.location.assign(drill + encodeURIComponent(link));
      });
    }
    charts.push({ chart: chart, data: data });
  }

  function redraw() {
    charts.forEach(function (item) {
      // Options that depend on the width (the pie's radius, label widths) follow it.
      item.chart.setOption(Object.assign({ animation: !still.matches }, OPTIONS[item.data.kind](item.data)));
      item.chart.resize();
    });
  }

  function pickerKinds(form) {
    const kind = form.querySelector('select[name="kind"]');
    if (!kind) return;
    function show() {
      form.querySelectorAll("[data-period-kinds]").forEach(function (group) {
        group.hidden = group.dataset.periodKinds.split(" ").indexOf(kind.value) < 0;
      });
    }
    kind.addEventListener("change", show);
    show();
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
  document.querySelectorAll("[data-period-picker]").forEach(pickerKinds);

  let pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(redraw, 150);
  });
})();
