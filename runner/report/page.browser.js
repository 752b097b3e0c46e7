// Draws the charts of a pgphase run report with uPlot (inlined above this script). Plain browser
// JavaScript, inlined into the page as is; its data is the JSON in #pgphase-report-data.
// Every time chart carries the run's events: throttle periods shaded orange, interruptions
// hatched grey, control events (pause, resume, tune, ...) as vertical lines. Each drawn chart's
// element says what it drew: data-drawn, data-markers (event kinds), data-shaded.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pgphase-report-data').textContent);
  var charts = data.charts;
  var palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var eventColors = { pause: '#d62728', stop: '#b00000', resume: '#2ca02c', lift: '#2ca02c', tune: '#9467bd', abandon: '#000000', promote: '#1f77b4', retire: '#8c564b' };
  var tables = data.tables.map(function (t) { return t.table; });
  var colorOfTable = function (table) { return palette[Math.max(0, tables.indexOf(table)) % palette.length]; };
  var printing = false;
  var width = function () { return printing ? 680 : Math.max(480, Math.min(1100, document.body.clientWidth - 48)); };
  var markers = charts.events.filter(function (e) { return e.until === null; });
  var made = [];

  function markDrawn(u) {
    var el = u.root.parentElement;
    var min = u.scales.x.min;
    var max = u.scales.x.max;
    var inside = function (t) { return t >= min && t <= max; };
    var kinds = markers.filter(function (e) { return inside(e.at); }).map(function (e) { return e.kind; });
    var shaded = [];
    if (charts.throttle.some(function (p) { return p.end >= min && p.start <= max; })) shaded.push('throttle');
    if (charts.interruptions.some(function (p) { return p.end >= min && p.start <= max; })) shaded.push('interrupted');
    el.setAttribute('data-drawn', 'yes');
    el.setAttribute('data-markers', kinds.join(' '));
    el.setAttribute('data-shaded', shaded.join(' '));
  }

  function shadePeriods(u) {
    var ctx = u.ctx;
    var top = u.bbox.top;
    var height = u.bbox.height;
    ctx.save();
    ctx.fillStyle = 'rgba(255, 152, 0, 0.22)';
    charts.throttle.forEach(function (p) {
      var x0 = u.valToPos(p.start, 'x', true);
      var x1 = u.valToPos(p.end, 'x', true);
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
    });
    charts.interruptions.forEach(function (p) {
      var x0 = u.valToPos(p.start, 'x', true);
      var w = Math.max(3, u.valToPos(p.end, 'x', true) - x0);
      ctx.fillStyle = 'rgba(120, 120, 120, 0.18)';
      ctx.fillRect(x0, top, w, height);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, top, w, height);
      ctx.clip();
      ctx.strokeStyle = 'rgba(80, 80, 80, 0.55)';
      ctx.lineWidth = 1;
      for (var x = x0 - height; x < x0 + w; x += 8) { ctx.moveTo(x, top + height); ctx.lineTo(x + height, top); }
      ctx.stroke();
      ctx.restore();
    });
    ctx.restore();
  }

  function drawMarkers(u) {
    var ctx = u.ctx;
    var dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.font = (10 * dpr) + 'px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    markers.forEach(function (e) {
      if (e.at < u.scales.x.min || e.at > u.scales.x.max) return;
      var x = Math.round(u.valToPos(e.at, 'x', true)) + 0.5;
      ctx.strokeStyle = eventColors[e.kind] || '#555';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(e.kind, x + 3 * dpr, u.bbox.top + 2 * dpr);
    });
    ctx.restore();
  }

  function timeChart(spec, el) {
    var bars = spec.kind === 'bars' ? uPlot.paths.bars({ size: [0.9, 64] }) : null;
    var series = [{}].concat(spec.series.map(function (s, i) {
      var color = palette[i % palette.length];
      var p95 = / p95$/.test(s.label);
      if (spec.id === 'batch-time') color = palette[Math.floor(i % (spec.series.length / 2)) % palette.length];
      return { label: s.label, stroke: color, width: p95 ? 1 : 2, dash: p95 ? [5, 4] : undefined, spanGaps: spec.id !== 'throughput', fill: bars ? color + '99' : undefined, paths: bars || undefined, points: { show: false } };
    }));
    var opts = {
      width: width(), height: 240, series: series,
      // One axis for every chart, lanes included: the last bucket drawn to its end.
      scales: { x: { time: true, range: [spec.x[0], spec.x[spec.x.length - 1] + charts.bucketSeconds] }, y: spec.id === 'progress' ? { range: [0, 100] } : {} },
      axes: [{}, { label: spec.unit, size: 70 }],
      hooks: { drawClear: [shadePeriods], draw: [drawMarkers, markDrawn] },
    };
    made.push(new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), el));
  }

  // Lanes over time: `lanes` of { label, parts: [{ start, end, color, outline }] }, drawn on a canvas hook.
  function laneChart(lanes, legend, el) {
    var n = lanes.length;
    // The time charts' axis, so that a lane lines up with the series above it.
    var x = charts.time[0].x;
    var from = x[0];
    var to = x[x.length - 1] + charts.bucketSeconds;
    var opts = {
      width: width(), height: Math.max(140, Math.min(640, n * 14 + 70)),
      scales: { x: { time: true, range: [from, to] }, y: { range: [-0.5, n - 0.5] } },
      series: [{}, { label: legend, stroke: '#999', points: { show: false } }],
      axes: [{}, {
        size: 70,
        // Every lane named while they fit; uPlot's own splits beyond that.
        splits: n <= 40 ? function () { return lanes.map(function (_, i) { return i; }); } : undefined,
        values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) && lanes[v] ? lanes[v].short : ''; }); },
      }],
      hooks: {
        drawClear: [shadePeriods],
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          lanes.forEach(function (l, i) {
            var y0 = u.valToPos(i + 0.4, 'y', true);
            var y1 = u.valToPos(i - 0.4, 'y', true);
            l.parts.forEach(function (p) {
              var x0 = u.valToPos(p.start, 'x', true);
              var w = Math.max(2, u.valToPos(p.end, 'x', true) - x0);
              ctx.fillStyle = p.color;
              ctx.fillRect(x0, y0, w, Math.max(1, y1 - y0));
              if (p.outline) { ctx.strokeStyle = p.outline; ctx.lineWidth = 2; ctx.strokeRect(x0, y0, w, Math.max(1, y1 - y0)); }
            });
          });
          ctx.restore();
        }, drawMarkers, markDrawn],
      },
    };
    made.push(new uPlot(opts, [[from, to], [null, null]], el));
  }

  // Horizontal bars: one category per reason and table, one series (colour) per table.
  function quarantineChart(q, el) {
    var n = q.labels.length;
    var longest = Math.max.apply(null, q.labels.map(function (l) { return l.length; }));
    var opts = {
      width: width(), height: Math.max(160, n * 18 + 80),
      scales: { x: { time: false, ori: 1, dir: -1, range: [-0.5, n - 0.5] }, y: { ori: 0, dir: 1, range: function (u, min, max) { return [0, Math.max(1, max) * 1.05]; } } },
      series: [{ label: 'reason · table', value: function (u, v) { return v == null ? '' : q.labels[v]; } }].concat(q.series.map(function (s) {
        var color = colorOfTable(s.table);
        return { label: s.table, stroke: color, fill: color + 'cc', paths: uPlot.paths.bars({ size: [0.8, 24] }), points: { show: false } };
      })),
      axes: [
        { side: 3, size: Math.min(420, 12 + longest * 7), gap: 4, splits: function () { return q.labels.map(function (_, i) { return i; }); }, values: function (u, splits) { return splits.map(function (i) { return q.labels[i] || ''; }); }, grid: { show: false } },
        { side: 2, label: 'rows', size: 50 },
      ],
      hooks: { draw: [function (u) { u.root.parentElement.setAttribute('data-drawn', 'yes'); }] },
    };
    made.push(new uPlot(opts, [q.labels.map(function (_, i) { return i; })].concat(q.series.map(function (s) { return s.rows; })), el));
  }

  charts.time.forEach(function (spec) { timeChart(spec, document.getElementById('chart-' + spec.id)); });
  if (charts.timeline.lanes.length) {
    laneChart(charts.timeline.lanes.map(function (l, i) {
      return { short: String(i + 1), parts: l.segments.map(function (s) { return { start: s.start, end: s.end, color: colorOfTable(l.table), outline: l.status === 'failed' ? '#d00' : null }; }) };
    }), 'partitions (colour: table; red outline: failed)', document.getElementById('chart-timeline'));
  }
  if (charts.workers.length) {
    var runnersOf = [];
    var shortName = function (worker) {
      var runner = worker.replace(/:[^:]*$/, '');
      if (runnersOf.indexOf(runner) < 0) runnersOf.push(runner);
      return 'p' + (runnersOf.indexOf(runner) + 1) + ':' + worker.split(':').pop();
    };
    laneChart(charts.workers.map(function (w) {
      var busy = w.busy.map(function (s) { return { start: s.start, end: s.end, color: '#1f77b4' }; });
      var waits = w.throttled.map(function (s) { return { start: s.start, end: s.end, color: '#ff9800' }; });
      return { short: shortName(w.worker), parts: waits.concat(busy) };
    }), 'workers (blue: busy; orange: throttled; blank: idle)', document.getElementById('chart-workers'));
  }
  if (charts.quarantine.labels.length) quarantineChart(charts.quarantine, document.getElementById('chart-quarantine'));
  var resize = function () { made.forEach(function (u) { u.setSize({ width: width(), height: u.height }); }); };
  window.addEventListener('resize', resize);
  // A printed page is narrower than a screen: draw the charts to fit it, and back after.
  window.addEventListener('beforeprint', function () { printing = true; resize(); });
  window.addEventListener('afterprint', function () { printing = false; resize(); });
})();
