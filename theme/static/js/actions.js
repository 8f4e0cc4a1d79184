/*
 * Candor /actions/: filter the action log by status and industry.
 *
 * Progressive enhancement: without this script every entry is listed and the
 * (hidden) filter form stays hidden. With it, the form is shown and each
 * change hides the entries that do not match; the count is announced politely.
 * No inline code: loaded with <script src> under the site's CSP.
 */
(function () {
  'use strict';
  var form = document.getElementById('action-filters');
  if (!form) { return; }
  var status = document.getElementById('filter-status');
  var industry = document.getElementById('filter-industry');
  var count = document.getElementById('action-count');
  var entries = Array.prototype.slice.call(
    document.querySelectorAll('.action-log > li[data-status]'));

  function apply() {
    var shown = 0;
    entries.forEach(function (entry) {
      var match = (!status.value || entry.getAttribute('data-status') === status.value) &&
        (!industry.value || entry.getAttribute('data-industry') === industry.value);
      entry.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = 'Showing ' + shown + ' of ' + entries.length + ' entries';
  }

  form.addEventListener('change', apply);
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
