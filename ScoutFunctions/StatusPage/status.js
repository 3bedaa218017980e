// Scout's status page: reads the analytics API the page's own Scout serves and draws it. No framework, nothing from
// another host; text goes in through textContent only (system names are the producers' text).
(function () {
  'use strict';
  var body = document.body;
  var base = body.dataset.base || '';
  var windows = (body.dataset.windows || '1h').split(',').filter(Boolean);
  var refreshMs = Math.max(1, Number(body.dataset.interval) || 60) * 1000;
  var needsToken = body.dataset.auth === 'bearer';
  var TOKEN = 'scout-token';
  var WINDOW = 'scout-window';
  // Severities in stacking order (bottom first); any other severity stacks above them, by name.
  var KNOWN = ['critical', 'error', 'warning', 'info', 'debug'];
  var SVG = 'http://www.w3.org/2000/svg';
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text, ns) {
    var node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function severityClass(severity) { return 'sev-' + (KNOWN.indexOf(severity) >= 0 ? severity : 'other'); }

  function ordered(severities) {
    return severities.slice().sort(function (a, b) {
      var i = KNOWN.indexOf(a), j = KNOWN.indexOf(b);
      if (i < 0) i = KNOWN.length;
      if (j < 0) j = KNOWN.length;
      return i !== j ? i - j : (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  function shortTime(iso) {
    var d = new Date(iso);
    return d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function Unauthorized() { this.message = 'unauthorized'; }

  async function api(path) {
    var headers = { Accept: 'application/json' };
    var token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = 'Bearer ' + token;
    var response = await fetch(base + path, { headers: headers, cache: 'no-store', credentials: 'omit' });
    if (response.status === 401) throw new Unauthorized();
    var json = await response.json();
    if (!response.ok) throw new Error(path.split('?')[0] + ': ' + (json.error || response.status));
    return json;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function renderTotals(summary) {
    $('total').textContent = summary.totalMessages;
    var list = $('totals');
    clear(list);
    ordered(Object.keys(summary.severityCounts)).forEach(function (severity) {
      var item = el('li', { 'data-severity': severity });
      item.appendChild(el('span', { class: 'swatch ' + severityClass(severity) }));
      item.appendChild(el('span', { class: 'count' }, summary.severityCounts[severity]));
      item.appendChild(document.createTextNode(severity));
      list.appendChild(item);
    });
  }

  function renderRanking(tableId, rows) {
    var tbody = $(tableId).tBodies[0];
    clear(tbody);
    if (!rows.length) {
      var empty = el('tr', { class: 'empty' });
      empty.appendChild(el('td', { colspan: '2', class: 'muted' }, 'none'));
      tbody.appendChild(empty);
    }
    rows.forEach(function (row) {
      var tr = el('tr', { 'data-system': row.system });
      tr.appendChild(el('td', {}, row.system === '' ? '(none)' : row.system));
      tr.appendChild(el('td', {}, row.count));
      tbody.appendChild(tr);
    });
  }

  // A stacked bar per point: one rect per severity with messages, heights to the scale of the busiest point.
  function renderChart(timeline) {
    var W = 720, H = 240, left = 44, right = 6, top = 8, bottom = 22;
    var plotW = W - left - right, plotH = H - top - bottom;
    var points = timeline.points;
    var max = points.reduce(function (m, p) { return Math.max(m, p.total); }, 0);
    var scale = max > 0 ? plotH / max : 0;
    var slot = plotW / Math.max(1, points.length);
    var gap = slot > 4 ? Math.min(2, slot * 0.15) : 0;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'data-points': points.length, 'data-max': max,
      'data-plot-height': plotH, 'aria-label': 'Messages by severity per ' + timeline.step }, null, SVG);
    svg.appendChild(el('title', {}, 'Messages by severity per ' + timeline.step + ' since ' + shortTime(timeline.windowStart), SVG));
    [0, 0.5, 1].forEach(function (f) {
      var y = top + plotH - f * plotH;
      svg.appendChild(el('line', { class: 'axis', x1: left, x2: W - right, y1: y, y2: y }, null, SVG));
      svg.appendChild(el('text', { x: left - 4, y: y + 4, 'text-anchor': 'end' }, Math.round(f * max), SVG));
    });
    var seen = {};
    points.forEach(function (point, i) {
      var y = top + plotH;
      var x = left + i * slot + gap / 2;
      ordered(Object.keys(point.severityCounts)).forEach(function (severity) {
        var count = point.severityCounts[severity];
        if (count <= 0) return;
        seen[severity] = true;
        var h = count * scale;
        y -= h;
        var rect = el('rect', { class: 'bar ' + severityClass(severity), x: x.toFixed(2), y: y.toFixed(2),
          width: Math.max(0.5, slot - gap).toFixed(2), height: h.toFixed(2),
          'data-point': i, 'data-severity': severity, 'data-count': count, 'data-start': point.start }, null, SVG);
        rect.appendChild(el('title', {}, shortTime(point.start) + ': ' + count + ' ' + severity, SVG));
        svg.appendChild(rect);
      });
    });
    if (points.length) {
      svg.appendChild(el('text', { x: left, y: H - 6, 'text-anchor': 'start' }, shortTime(points[0].start), SVG));
      svg.appendChild(el('text', { x: W - right, y: H - 6, 'text-anchor': 'end' }, shortTime(timeline.lastUpdated), SVG));
    }
    var chart = $('chart');
    clear(chart);
    chart.appendChild(svg);
    $('step').textContent = 'per ' + timeline.step;
    var legend = $('legend');
    clear(legend);
    ordered(Object.keys(seen)).forEach(function (severity) {
      var item = el('li', {});
      item.appendChild(el('span', { class: 'swatch ' + severityClass(severity) }));
      item.appendChild(document.createTextNode(severity));
      legend.appendChild(item);
    });
  }

  async function renderHealth() {
    var line = $('health');
    try {
      var response = await fetch(base + '/health', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
      var health = await response.json();
      var text = 'Health: ' + health.status + ' · version ' + health.version + ' · up ' + health.uptime;
      if (health.aggregation && health.aggregation.at) text += ' · last aggregation ' + shortTime(health.aggregation.at);
      if (health.reason) text += ' · ' + health.reason;
      line.textContent = text;
      line.className = 'health ' + (health.status === 'ok' ? 'ok' : 'degraded');
    } catch (error) {
      line.textContent = 'Health: unreachable (' + error.message + ')';
      line.className = 'health down';
    }
  }

  function askForToken(message) {
    sessionStorage.removeItem(TOKEN);
    $('data').hidden = true;
    $('token-form').hidden = false;
    var error = $('token-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('token').focus();
  }

  async function load() {
    renderHealth();
    if (needsToken && !sessionStorage.getItem(TOKEN)) { askForToken(); return; }
    var w = encodeURIComponent($('window').value);
    try {
      var results = await Promise.all([
        api('/analytics/summary?window=' + w), api('/analytics/timeline?window=' + w),
        api('/analytics/systems?window=' + w), api('/analytics/alerts?window=' + w)]);
      renderTotals(results[0]);
      renderChart(results[1]);
      renderRanking('systems', results[2].systems);
      renderRanking('alerts', results[3].topSystems);
      $('alert-total').textContent = results[3].totalAlerts + ' alerts';
      $('token-form').hidden = true;
      $('data').hidden = false;
      $('error').hidden = true;
      $('updated').textContent = 'Numbers of ' + shortTime(results[0].lastUpdated) + ' · refreshed every ' + refreshMs / 1000 + ' s · ';
      body.setAttribute('data-loaded', results[1].lastUpdated);
    } catch (error) {
      if (error instanceof Unauthorized) { askForToken('The token was refused.'); return; }
      $('error').hidden = false;
      $('error').textContent = 'Could not load the numbers: ' + error.message;
    }
  }

  function start() {
    var select = $('window');
    windows.forEach(function (name) { select.appendChild(el('option', { value: name }, name)); });
    var kept = sessionStorage.getItem(WINDOW);
    select.value = windows.indexOf(kept) >= 0 ? kept : (windows.indexOf('1h') >= 0 ? '1h' : windows[0]);
    select.addEventListener('change', function () { sessionStorage.setItem(WINDOW, select.value); load(); });
    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var value = $('token').value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN, value);
      $('token').value = '';
      load();
    });
    load();
    setInterval(load, refreshMs);
  }

  start();
}());
