/*
 * Candor leaderboard: sort by any column, filter by industry and by name.
 * Progressive enhancement: without this file the table stays in the server's order (CSAT)
 * and the filter form stays hidden. Each sortable <th> has data-sort-type (number | text)
 * and data-best (high | low | text: which direction a first click shows); each cell
 * carries its value in data-sort, empty for "not enough data", which always sorts last.
 */
(function () {
  'use strict';

  var table = document.getElementById('leaderboard');
  var form = document.getElementById('board-filters');
  if (!table || !form) {
    return;
  }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var status = document.getElementById('board-count');
  var sortedBy = '';

  rows.forEach(function (row, index) {
    row.setAttribute('data-order', index);
  });

  function value(row, column, type) {
    var raw = row.cells[column].getAttribute('data-sort');
    if (raw === null || raw === '') {
      return null;
    }
    return type === 'number' ? parseFloat(raw) : raw;
  }

  function sort(th, ascending) {
    var column = th.cellIndex;
    var type = th.getAttribute('data-sort-type');
    var sign = ascending ? 1 : -1;
    rows.sort(function (a, b) {
      var x = value(a, column, type);
      var y = value(b, column, type);
      if (x === null || y === null) {
        if (x !== y) {
          return x === null ? 1 : -1;
        }
      } else if (x !== y) {
        return sign * (type === 'number' ? x - y : x.localeCompare(y));
      }
      return a.getAttribute('data-order') - b.getAttribute('data-order');
    });
    rows.forEach(function (row) {
      row.parentNode.appendChild(row);
    });
    headers.forEach(function (other) {
      if (other !== th) {
        other.removeAttribute('aria-sort');
      }
    });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    sortedBy = ', sorted by ' + th.textContent.trim() + (ascending ? ', ascending' : ', descending');
    announce();
  }

  function announce() {
    var shown = rows.filter(function (row) {
      return !row.hidden;
    }).length;
    status.textContent = shown + ' of ' + rows.length + ' companies shown' + sortedBy;
  }

  function filter() {
    var name = form.elements.name.value.trim().toLocaleLowerCase();
    var industry = form.elements.industry.value;
    rows.forEach(function (row) {
      row.hidden = (industry && row.getAttribute('data-industry') !== industry) ||
        (name && row.cells[1].getAttribute('data-sort').toLocaleLowerCase().indexOf(name) < 0);
    });
    announce();
  }

  headers.forEach(function (th) {
    if (!th.hasAttribute('data-sort-type')) {
      return;
    }
    var button = document.createElement('button');
    button.type = 'button';
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    var arrow = document.createElement('span');
    arrow.className = 'sort-arrow';
    arrow.setAttribute('aria-hidden', 'true');
    button.appendChild(arrow);
    th.appendChild(button);
    button.addEventListener('click', function () {
      var current = th.getAttribute('aria-sort');
      var ascending = current ? current !== 'ascending'
        : th.getAttribute('data-best') !== 'high';
      sort(th, ascending);
    });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
  });
  form.addEventListener('input', filter);
  form.addEventListener('change', filter);
  form.hidden = false;
  table.querySelector('.sort-hint').hidden = false;
  announce();
})();
