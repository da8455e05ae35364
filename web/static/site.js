// Comfort for the booking site; every page works without it. It puts the
// focus on a form's error summary (after the page's h1) so screen readers
// read it first, and once: it is no live region; and it turns
// the print hint of a confirmation into a "Print" button.
(function () {
  'use strict';
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();
  var hints = document.querySelectorAll('[data-print-label]');
  for (var i = 0; i < hints.length; i++) {
    var hint = hints[i];
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button print-button';
    button.textContent = hint.getAttribute('data-print-label');
    button.addEventListener('click', function () { window.print(); });
    var li = document.createElement('li');
    li.className = 'no-print';
    li.appendChild(button);
    hint.parentNode.insertBefore(li, hint);
    hint.hidden = true;
  }
})();
