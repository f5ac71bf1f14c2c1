/* quizforge batch page: follows the batch's event stream and reloads once it settles. No inline code. */
/* global document, window, EventSource, fetch */
'use strict';

(() => {
  const root = document.querySelector('[data-batch]');
  if (!root) return;
  const statusText = document.getElementById('status-text');
  const bar = document.getElementById('batch-progress');
  const progressText = document.getElementById('progress-text');
  const EVENT_NAMES = [
    'message', 'job.enqueued', 'job.started', 'job.retry_scheduled', 'job.succeeded', 'job.dead', 'job.replayed',
    'job.ready', 'job.unblocked', 'job.blocked', 'batch.created', 'batch.running', 'batch.succeeded', 'batch.failed',
  ];
  /** Set once a form on the page is submitted: no reload may race its navigation. */
  let leaving = false;
  let busy = false;
  let again = false;

  async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const res = await fetch(root.dataset.view, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const batch = await res.json();
      const chunks = (batch.jobs || []).filter((j) => j.kind === 'chunk');
      const done = chunks.filter((j) => j.state === 'succeeded').length;
      if (bar) {
        bar.max = Math.max(1, chunks.length);
        bar.value = done;
      }
      if (progressText) progressText.textContent = done + '/' + chunks.length;
      if (statusText) {
        statusText.textContent = batch.status;
        statusText.className = 'status-' + batch.status;
      }
      // Settled: the server renders the questions, exports and DLQ links (and drops the Cancel button).
      // Never while a form on this page (Cancel) is being submitted: its own navigation shows the result.
      if (!leaving && batch.status !== root.dataset.status && (batch.status === 'succeeded' || batch.status === 'failed' || batch.status === 'cancelled')) {
        source.close();
        window.location.reload();
      }
    } catch {
      // A moment offline: the next event refreshes again.
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  const source = new EventSource(root.dataset.stream, { withCredentials: true });
  for (const name of EVENT_NAMES) source.addEventListener(name, () => void refresh());
  source.addEventListener('open', () => void refresh());
  window.addEventListener('pagehide', () => source.close());
  document.addEventListener('submit', () => {
    leaving = true;
    source.close();
  });
})();
