/* global document, Element */
// Progressive enhancement for the content calendar: drag a post onto another day to move it
// there at the same time of day. The drop fills in and submits the post's own "Move" form, so
// it posts the same endpoint with the same CSRF token and the server applies the same rules
// (not in the past, nothing that has started publishing); a refusal comes back as the page
// with its GOV.UK error summary. Without JavaScript, or with a keyboard, the form does it all.
const calendar = document.querySelector('[data-calendar]');

if (calendar) {
  let dragged;

  for (const item of calendar.querySelectorAll('[data-movable="true"]')) {
    item.setAttribute('draggable', 'true');
    item.addEventListener('dragstart', (event) => {
      dragged = item;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', item.dataset.postId);
    });
    item.addEventListener('dragend', () => {
      dragged = undefined;
    });
  }

  const cellOf = (target) => (target instanceof Element ? target.closest('[data-drop-date]') : null);

  calendar.addEventListener('dragover', (event) => {
    const cell = cellOf(event.target);
    if (!cell || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    cell.classList.add('ts-cal-dropping');
  });
  calendar.addEventListener('dragleave', (event) => {
    const cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove('ts-cal-dropping');
  });
  calendar.addEventListener('drop', (event) => {
    const cell = cellOf(event.target);
    if (!cell || !dragged) return;
    event.preventDefault();
    cell.classList.remove('ts-cal-dropping');
    // Dropped back on its own day: nothing to move.
    if (cellOf(dragged) === cell) return;
    const form = dragged.querySelector('form[data-reschedule-form]');
    const [year, month, day] = cell.dataset.dropDate.split('-');
    if (!form || !year || !month || !day) return;
    form.elements.namedItem('schedule-day').value = String(Number(day));
    form.elements.namedItem('schedule-month').value = String(Number(month));
    form.elements.namedItem('schedule-year').value = year;
    form.requestSubmit();
  });
}
