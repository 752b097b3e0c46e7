// Draws the charts of a pgphase run report with uPlot (inlined above this script). Plain browser
// JavaScript, inlined into the page as is; its data is the JSON in #pgphase-report-data.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pgphase-report-data').textContent);
  var charts = data.charts;
  var palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var tables = data.tables.map(function (t) { return t.table; });
  var colorOfTable = function (table) { return palette[Math.max(0, tables.indexOf(table)) % palette.length]; };
  var width = function () { return Math.max(480, Math.min(1100, document.body.clientWidth - 48)); };
  var made = [];

  function markDrawn(u) { u.root.parentElement.setAttribute('data-drawn', 'yes'); }

  function shadeThrottle(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = 'rgba(255, 152, 0, 0.22)';
    charts.throttle.forEach(function (p) {
      var x0 = u.valToPos(p.start, 'x', true);
      var x1 = u.valToPos(p.end, 'x', true);
      ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
    });
    ctx.restore();
  }

  function timeChart(spec, el) {
    var bars = spec.kind === 'bars' ? uPlot.paths.bars({ size: [0.9, 64] }) : null;
    var series = [{}].concat(spec.series.map(function (s, i) {
      var color = palette[i % palette.length];
      return { label: s.label, stroke: color, width: 2, spanGaps: spec.id !== 'throughput', fill: bars ? color + '99' : undefined, paths: bars || undefined, points: { show: false } };
    }));
    var opts = {
      width: width(), height: 260, series: series,
      axes: [{}, { label: spec.unit, size: 70 }],
      hooks: { drawClear: [shadeThrottle], draw: [markDrawn] },
    };
    made.push(new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), el));
  }

  function timelineChart(lanes, el) {
    var n = lanes.length;
    var from = Math.min.apply(null, lanes.map(function (l) { return l.start; }));
    var to = Math.max.apply(null, lanes.map(function (l) { return l.end; }).concat([from + 1]));
    var opts = {
      width: width(), height: Math.max(180, Math.min(640, n * 8 + 70)),
      scales: { x: { time: true, range: [from, to] }, y: { range: [-0.5, n - 0.5] } },
      series: [{}, { label: 'partitions (colour: table; red outline: failed)', stroke: '#999', points: { show: false } }],
      axes: [{}, { label: 'partition', size: 70, values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? String(v + 1) : ''; }); } }],
      hooks: {
        drawClear: [shadeThrottle],
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          lanes.forEach(function (l, i) {
            var x0 = u.valToPos(l.start, 'x', true);
            var x1 = u.valToPos(l.end, 'x', true);
            var y0 = u.valToPos(i + 0.4, 'y', true);
            var y1 = u.valToPos(i - 0.4, 'y', true);
            ctx.fillStyle = colorOfTable(l.table);
            ctx.fillRect(x0, y0, Math.max(2, x1 - x0), Math.max(1, y1 - y0));
            if (l.status === 'failed') { ctx.strokeStyle = '#d00'; ctx.lineWidth = 2; ctx.strokeRect(x0, y0, Math.max(2, x1 - x0), Math.max(1, y1 - y0)); }
          });
          ctx.restore();
        }, markDrawn],
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
      hooks: { draw: [markDrawn] },
    };
    made.push(new uPlot(opts, [q.labels.map(function (_, i) { return i; })].concat(q.series.map(function (s) { return s.rows; })), el));
  }

  charts.time.forEach(function (spec) { timeChart(spec, document.getElementById('chart-' + spec.id)); });
  if (charts.timeline.lanes.length) timelineChart(charts.timeline.lanes, document.getElementById('chart-timeline'));
  if (charts.quarantine.labels.length) quarantineChart(charts.quarantine, document.getElementById('chart-quarantine'));
  window.addEventListener('resize', function () { made.forEach(function (u) { u.setSize({ width: width(), height: u.height }); }); });
})();
