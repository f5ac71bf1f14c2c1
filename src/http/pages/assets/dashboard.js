/* quizforge live dashboard: follows /v1/events and keeps the tiles fresh. No framework, no inline code. */
/* global document, window, EventSource, fetch, setTimeout, clearTimeout, setInterval, clearInterval, URL */
'use strict';

(() => {
  const root = document.querySelector('[data-dashboard]');
  if (!root) return;
  const feed = document.getElementById('feed');
  const conn = document.getElementById('conn');
  const streamUrl = root.dataset.stream || '/v1/events';
  const summaryUrl = root.dataset.summary || '/dashboard.json';
  // Named SSE events only reach listeners registered for their name; `message` catches unnamed ones.
  const EVENT_NAMES = [
    'message',
    'job.enqueued', 'job.started', 'job.retry_scheduled', 'job.succeeded', 'job.dead', 'job.replayed',
    'job.discarded', 'job.ready', 'job.unblocked', 'job.lease_expired', 'job.released', 'job.blocked',
    'batch.created', 'batch.running', 'batch.succeeded', 'batch.failed',
  ];
  const MAX_FEED_ITEMS = 200;
  const MAX_BACKOFF_MS = 15000;
  // Throughput is a sliding window: it changes with no event at all, so refresh now and then too.
  const PERIODIC_REFRESH_MS = 5000;

  let source = null;
  let lastId = 0;
  let backoffMs = 1000;
  let reconnectTimer = null;
  let refreshTimer = null;
  let refreshing = false;
  let refreshAgain = false;

  function setConn(state, text) {
    if (!conn) return;
    conn.dataset.state = state;
    conn.textContent = text;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function parseData(raw) {
    try {
      const data = JSON.parse(raw);
      return data && typeof data === 'object' ? data : {};
    } catch {
      return {};
    }
  }

  function addToFeed(type, id, data) {
    if (!feed) return;
    const li = el('li');
    li.dataset.eventId = String(id);
    li.dataset.type = type;
    if (data.batchId) li.dataset.batchId = String(data.batchId);
    li.append(el('span', 'muted', new Date().toLocaleTimeString() + ' #' + id + ' '));
    li.append(el('span', 'type', type));
    if (data.jobId !== undefined && data.jobId !== null) li.append(' job ' + String(data.jobId));
    if (data.batchId) li.append(' batch ' + String(data.batchId));
    if (data.state) li.append(' → ' + String(data.state));
    feed.prepend(li);
    while (feed.childElementCount > MAX_FEED_ITEMS) feed.lastElementChild.remove();
    const empty = document.getElementById('feed-empty');
    if (empty) empty.remove();
  }

  function onEvent(event) {
    const id = Number(event.lastEventId);
    // A resumed stream may repeat what we already showed; the ids increase, so skip old ones.
    if (Number.isFinite(id) && id > 0) {
      if (id <= lastId) return;
      lastId = id;
    }
    addToFeed(event.type, event.lastEventId || '?', parseData(event.data));
    scheduleRefresh();
  }

  function connect() {
    reconnectTimer = null;
    const url = new URL(streamUrl, window.location.href);
    // A brand-new EventSource cannot send Last-Event-ID, so a resume after a hard close carries it in the query.
    if (lastId > 0) url.searchParams.set('lastEventId', String(lastId));
    const es = new EventSource(url.toString(), { withCredentials: true });
    source = es;
    for (const name of EVENT_NAMES) es.addEventListener(name, onEvent);
    es.addEventListener('open', () => {
      if (source !== es) return;
      backoffMs = 1000;
      setConn('open', 'live');
      scheduleRefresh();
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      if (es.readyState === EventSource.CONNECTING) {
        // The browser retries on its own, sending Last-Event-ID.
        setConn('reconnecting', 'reconnecting…');
        return;
      }
      // CLOSED: the server refused or ended the stream for good (e.g. a restart answering 503).
      es.close();
      source = null;
      setConn('closed', 'disconnected, retrying in ' + Math.round(backoffMs / 1000) + ' s');
      reconnectTimer = setTimeout(connect, backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  function scheduleRefresh() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void refresh();
    }, 250);
  }

  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    try {
      const res = await fetch(summaryUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.status === 401) {
        setConn('closed', 'session expired: log in again');
        return;
      }
      if (res.ok) render(await res.json());
    } catch {
      // Offline for a moment: the next event or reconnect refreshes again.
    } finally {
      refreshing = false;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh();
      }
    }
  }

  function render(summary) {
    for (const node of document.querySelectorAll('[data-count]')) {
      const n = summary.counts ? summary.counts[node.dataset.count] : undefined;
      node.textContent = String(n || 0);
    }
    for (const node of document.querySelectorAll('[data-throughput]')) {
      const t = summary.throughput || {};
      node.textContent = String(t[node.dataset.throughput] || 0) + (t.capped ? '+' : '');
    }
    const body = document.getElementById('batches-body');
    if (body && Array.isArray(summary.batches)) {
      body.replaceChildren(...summary.batches.map(batchRow));
      const empty = document.getElementById('batches-empty');
      if (empty) empty.hidden = summary.batches.length > 0;
    }
  }

  function batchRow(b) {
    const tr = el('tr');
    tr.dataset.batchId = String(b.id);
    const idCell = el('td');
    const link = el('a', '', String(b.id).slice(0, 8));
    link.href = '/batches/' + encodeURIComponent(String(b.id));
    idCell.append(link);
    tr.append(idCell, el('td', '', b.topic || ''), el('td', 'status-' + b.status, b.status));
    const progressCell = el('td');
    const bar = el('progress');
    bar.max = Math.max(1, Number(b.total) || 0);
    bar.value = Number(b.done) || 0;
    progressCell.append(bar, ' ' + (Number(b.done) || 0) + '/' + (Number(b.total) || 0));
    tr.append(progressCell, el('td', 'muted', b.createdAt ? new Date(b.createdAt).toLocaleString() : ''));
    return tr;
  }

  const periodic = setInterval(() => {
    if (document.visibilityState === 'visible') scheduleRefresh();
  }, PERIODIC_REFRESH_MS);
  window.addEventListener('pagehide', () => {
    if (source) source.close();
    if (reconnectTimer) clearTimeout(reconnectTimer);
    clearInterval(periodic);
  });
  connect();
})();
