// operator.js: the operator view. It samples presenced's metrics (the
// Prometheus text of /metrics, through /board/api/metrics for
// administrators) every 2 s, keeps 5 minutes, and draws small SVG charts.

const SAMPLE_MS = 2000;
const KEEP = 150; // samples: 5 minutes at 2 s
const SVG = 'http://www.w3.org/2000/svg';

// parseMetrics reads Prometheus text into {name or name{labels}: value}.
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const i = line.lastIndexOf(' ');
    if (i < 0) continue;
    const v = Number(line.slice(i + 1));
    if (!isNaN(v)) out[line.slice(0, i)] = v;
  }
  return out;
}

// quantile of the apply-to-write histogram between two samples, in seconds.
export function histogramQuantile(prev, cur, name, q) {
  const buckets = [];
  for (const key of Object.keys(cur)) {
    const m = key.match(/^(.*)_bucket\{le="([^"]+)"\}$/);
    if (!m || m[1] !== name) continue;
    const le = m[2] === '+Inf' ? Infinity : Number(m[2]);
    buckets.push({ le, count: cur[key] - (prev[key] || 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.length ? buckets[buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  let lower = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket > 0 ? lower + (b.le - lower) * ((rank - below) / inBucket) : b.le;
    }
    below = b.count;
    lower = b.le;
  }
  return lower;
}

// The charts: each computes one value from the previous and current sample
// and the seconds between them.
const CHARTS = [
  { id: 'connections', title: 'Connections', unit: '', value: (p, c) => c.presenced_connections },
  { id: 'logins', title: 'Logins/s', unit: '/s', value: (p, c, dt) => rate(p, c, dt, 'presenced_logins_total') },
  { id: 'deliveries', title: 'Deliveries/s', unit: '/s', value: (p, c, dt) => rate(p, c, dt, 'presenced_deliveries_total') },
  {
    id: 'writes-per-delivery', title: 'Writes per delivery', unit: '',
    value: (p, c) => {
      const d = c.presenced_deliveries_total - p.presenced_deliveries_total;
      return d > 0 ? (c.presenced_writes_total - p.presenced_writes_total) / d : null;
    },
  },
  { id: 'latency-p50', title: 'Apply-to-write p50', unit: 'ms', value: (p, c) => ms(histogramQuantile(p, c, 'presenced_apply_to_write_seconds', 0.5)) },
  { id: 'latency-p99', title: 'Apply-to-write p99', unit: 'ms', value: (p, c) => ms(histogramQuantile(p, c, 'presenced_apply_to_write_seconds', 0.99)) },
  { id: 'contacts', title: 'Engine contacts', unit: '', value: (p, c) => c.presenced_engine_contacts },
  { id: 'watchers', title: 'Engine watchers', unit: '', value: (p, c) => c.presenced_engine_watchers },
  { id: 'subscriptions', title: 'Engine subscriptions', unit: '', value: (p, c) => c.presenced_engine_subscriptions },
];

function rate(p, c, dt, name) {
  if (c[name] === undefined || p[name] === undefined || dt <= 0) return null;
  return Math.max(0, c[name] - p[name]) / dt;
}

function ms(seconds) {
  return seconds == null ? null : seconds * 1000;
}

function format(v, unit) {
  if (v == null) return '–';
  if (Number.isInteger(v)) return v + (unit ? ' ' + unit : '');
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return v.toFixed(digits) + (unit ? ' ' + unit : '');
}

export class Operator {
  constructor(container, sessionId) {
    this.container = container;
    this.sessionId = sessionId;
    this.timer = null;
    this.prev = null;
    this.prevAt = 0;
    this.series = new Map(CHARTS.map((c) => [c.id, []]));
    this.elements = new Map();
    for (const chart of CHARTS) this.build(chart);
  }

  build(chart) {
    const figure = document.createElement('figure');
    figure.className = 'chart';
    figure.dataset.chart = chart.id;
    const caption = document.createElement('figcaption');
    const title = document.createElement('span');
    title.textContent = chart.title;
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = '–';
    caption.append(title, value);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 150 40');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', chart.title + ': no data yet');
    const line = document.createElementNS(SVG, 'polyline');
    svg.append(line);
    figure.append(caption, svg);
    this.container.append(figure);
    this.elements.set(chart.id, { value, svg, line });
  }

  start() {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.prev = null;
  }

  async sample() {
    const id = this.sessionId();
    if (!id) return;
    let cur;
    try {
      const r = await fetch('/board/api/metrics', { headers: { 'X-ucsessionid': id }, cache: 'no-store' });
      if (!r.ok) return;
      cur = parseMetrics(await r.text());
    } catch (_) {
      return; // presenced is restarting; the next sample tries again
    }
    const now = performance.now();
    if (this.prev) {
      const dt = (now - this.prevAt) / 1000;
      // A restarted presenced starts its counters at 0: skip that interval.
      const restarted = (cur.presenced_connections_total || 0) < (this.prev.presenced_connections_total || 0);
      for (const chart of CHARTS) {
        const v = restarted ? null : chart.value(this.prev, cur, dt);
        const s = this.series.get(chart.id);
        s.push(v);
        if (s.length > KEEP) s.shift();
        this.draw(chart, s, v);
      }
    }
    this.prev = cur;
    this.prevAt = now;
  }

  draw(chart, s, v) {
    const el = this.elements.get(chart.id);
    el.value.textContent = format(v, chart.unit);
    const values = s.filter((x) => x != null);
    const max = 1.25 * Math.max(1e-9, ...values); // headroom: a constant draws below the top
    const points = [];
    s.forEach((x, i) => {
      if (x == null) return;
      const px = (150 * (i + KEEP - s.length)) / (KEEP - 1);
      points.push(px.toFixed(1) + ',' + (38 - (36 * x) / max).toFixed(1));
    });
    el.line.setAttribute('points', points.join(' '));
    el.svg.setAttribute('aria-label', chart.title + ': now ' + format(v, chart.unit) + ', highest ' + format(values.length ? max / 1.25 : null, chart.unit) + ' in the last ' + Math.round((s.length * SAMPLE_MS) / 1000) + ' s');
  }
}
