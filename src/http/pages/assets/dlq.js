/* quizforge DLQ view: asks before a destructive action. No inline handlers (the CSP forbids them). */
/* global document, window */
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof window.HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
