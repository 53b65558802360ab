// The live page: one websocket to the process, redrawn on every update (at least once a second).
'use strict';

const HISTORY_MS = 5 * 60 * 1000; // the mid-price line covers the last minutes
const LADDER = 10;                // levels per side in the ladder
const cards = new Map();          // symbol -> {el, mids: [[t, mid]], last: {t, events}}
let lastHealth = null;

const $ = (id) => document.getElementById(id);

// Binance sends "37000.01000000": shown without the trailing zeros.
function trim(s) {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
function decimals(s) {
  const t = trim(s);
  const dot = t.indexOf('.');
  return dot < 0 ? 0 : t.length - dot - 1;
}
function bytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}
function figure(v) {
  return v === null || v === undefined ? 'n/a' : String(v);
}

function card(symbol) {
  let c = cards.get(symbol);
  if (c) return c;
  const el = $('book-card').content.firstElementChild.cloneNode(true);
  el.dataset.symbol = symbol;
  el.querySelector('.sym').textContent = symbol;
  $('books').appendChild(el);
  c = { el, mids: [], last: null };
  cards.set(symbol, c);
  return c;
}

function setupCanvas(cv) {
  const ratio = window.devicePixelRatio || 1;
  const w = cv.clientWidth, h = cv.clientHeight;
  if (cv.width !== Math.round(w * ratio)) {
    cv.width = Math.round(w * ratio);
    cv.height = Math.round(h * ratio);
  }
  const g = cv.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

function drawDepth(cv, bids, asks) {
  const { g, w, h } = setupCanvas(cv);
  if (!bids.length || !asks.length) return;
  const cum = (side) => { let t = 0; return side.map(([p, q]) => [Number(p), (t += Number(q))]); };
  const b = cum(bids), a = cum(asks);
  const lo = b[b.length - 1][0], hi = a[a.length - 1][0];
  const top = Math.max(b[b.length - 1][1], a[a.length - 1][1]) || 1;
  const x = (p) => hi > lo ? ((p - lo) / (hi - lo)) * (w - 8) + 4 : w / 2;
  const y = (q) => h - 14 - (q / top) * (h - 24);
  const area = (pts, color) => {
    g.beginPath();
    g.moveTo(x(pts[0][0]), h - 14);
    let prev = 0;
    for (const [p, q] of pts) { g.lineTo(x(p), y(prev)); g.lineTo(x(p), y(q)); prev = q; }
    g.lineTo(x(pts[pts.length - 1][0]), h - 14);
    g.closePath();
    g.fillStyle = color + '55'; g.fill();
    g.strokeStyle = color; g.stroke();
  };
  area(b, '#3fb97d');
  area(a, '#e5534b');
  g.fillStyle = '#8693a0';
  g.font = '11px system-ui';
  g.fillText(trim(bids[bids.length - 1][0]), 4, h - 2);
  const hiText = trim(asks[asks.length - 1][0]);
  g.fillText(hiText, w - 4 - g.measureText(hiText).width, h - 2);
}

function drawMid(cv, mids, now) {
  const { g, w, h } = setupCanvas(cv);
  g.fillStyle = '#8693a0';
  g.font = '11px system-ui';
  // The span grows with the history kept, up to HISTORY_MS, so a new page has a line too.
  const span = mids.length ? Math.min(HISTORY_MS, Math.max(30000, now - mids[0][0])) : 30000;
  const label = span < 120000 ? Math.round(span / 1000) + ' s' : Math.round(span / 60000) + ' min';
  g.fillText('mid, last ' + label, 4, 12);
  if (mids.length < 2) return;
  let lo = Infinity, hi = -Infinity;
  for (const [, m] of mids) { lo = Math.min(lo, m); hi = Math.max(hi, m); }
  if (hi === lo) { hi += 1e-9; lo -= 1e-9; }
  const x = (t) => w - 4 - ((now - t) / span) * (w - 8);
  const y = (m) => h - 6 - ((m - lo) / (hi - lo)) * (h - 24);
  g.beginPath();
  mids.forEach(([t, m], i) => (i ? g.lineTo(x(t), y(m)) : g.moveTo(x(t), y(m))));
  g.strokeStyle = '#d9b84a';
  g.stroke();
}

function ladder(tbody, bids, asks) {
  const rows = [];
  for (let i = Math.min(LADDER, asks.length) - 1; i >= 0; i--)
    rows.push(`<tr class="ask"><td></td><td class="px">${trim(asks[i][0])}</td><td class="aq">${trim(asks[i][1])}</td></tr>`);
  for (let i = 0; i < Math.min(LADDER, bids.length); i++)
    rows.push(`<tr class="bid"><td class="bq">${trim(bids[i][1])}</td><td class="px">${trim(bids[i][0])}</td><td></td></tr>`);
  tbody.innerHTML = rows.join('');
}

function update(u) {
  const now = u.time;
  for (const s of u.symbols) {
    const c = card(s.symbol);
    const q = (sel) => c.el.querySelector(sel);
    const state = q('.state');
    state.textContent = s.state;
    state.className = 'badge state ' + s.state;
    const bid = s.bids[0], ask = s.asks[0];
    q('.best-bid').textContent = bid ? trim(bid[0]) : '-';
    q('.best-ask').textContent = ask ? trim(ask[0]) : '-';
    if (bid && ask) {
      const d = Math.max(decimals(bid[0]), decimals(ask[0]));
      const spread = Number(ask[0]) - Number(bid[0]);
      const mid = (Number(ask[0]) + Number(bid[0])) / 2;
      q('.spread').textContent = spread.toFixed(d) + ' (' + ((spread / mid) * 1e4).toFixed(2) + ' bp)';
      c.mids.push([now, mid]);
    } else {
      q('.spread').textContent = '-';
    }
    while (c.mids.length && now - c.mids[0][0] > HISTORY_MS) c.mids.shift();
    if (c.last && now > c.last.t) {
      const r = ((s.events - c.last.events) * 1000) / (now - c.last.t);
      q('.rate').textContent = r.toFixed(0);
    }
    if (!c.last || now > c.last.t) c.last = { t: now, events: s.events };
    q('.uid').textContent = s.state === 'live' ? String(s.lastUpdateId) : '-';
    q('.resyncs').textContent = String(s.resyncs);
    ladder(q('.ladder tbody'), s.bids, s.asks);
    drawDepth(q('canvas.depth'), s.bids, s.asks);
    drawMid(q('canvas.mid'), c.mids, now);
  }
  const h = u.health;
  if (lastHealth && now > lastHealth.t)
    $('h-rate').textContent = (((h.events - lastHealth.events) * 1000) / (now - lastHealth.t)).toFixed(0);
  lastHealth = { t: now, events: h.events };
  $('h-messages').textContent = h.messages;
  $('h-records').textContent = h.records;
  $('h-written').textContent = h.linesWritten;
  $('h-resyncs').textContent = h.resyncs;
  $('h-synced').textContent = `${h.synced} of ${h.symbols}`;
  $('more').textContent = h.symbols > u.symbols.length
    ? `The first ${u.symbols.length} of ${h.symbols} symbols; every book is at /api/book?symbol=S.` : '';
  $('h-legs').textContent = h.legsWanted == null ? figure(h.legsUp) : `${figure(h.legsUp)} of ${h.legsWanted}`;
  $('h-weight').textContent = figure(h.restWeight);
  $('h-drops').textContent = h.drops;
  $('h-lost').textContent = h.lostIO;

  $('files-dir').textContent = u.files.dir + '/';
  const list = u.files.list;
  $('current-file').textContent = list.length ? list[0].name : '-';
  $('current-size').textContent = list.length ? bytes(list[0].bytes) : '';
  $('file-list').querySelector('tbody').innerHTML = list
    .map((f) => `<tr><td>${f.name}</td><td>${f.bytes}</td></tr>`).join('');
}

function connect(delay) {
  const ws = new WebSocket(`ws://${location.host}/live`, 'depthlog-live');
  const conn = $('conn');
  ws.onopen = () => { conn.textContent = 'live'; conn.className = 'badge live'; delay = 500; };
  ws.onmessage = (e) => update(JSON.parse(e.data));
  ws.onclose = () => {
    conn.textContent = 'reconnecting';
    conn.className = 'badge down';
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  };
}

window.addEventListener('load', () => connect(500));
