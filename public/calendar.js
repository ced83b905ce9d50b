/* global document, Element */
// Progressive enhancement for the content calendar: drag a post onto another day to move it
// there at the same time of day, or, in the week view, onto an hour of a day to move it to that
// hour (keeping its minutes past the hour: a 09:30 post dropped on 14:00 moves to 14:30; each
// hour shows the time it means while dragging). The drop fills in and submits the post's own
// "Move" form, so it posts the same endpoint with the same CSRF token and the server applies
// the same rules (a real UK time, not in the past, nothing that has started publishing, the
// pre-election approval); a refusal comes back as the page with its GOV.UK error summary.
// Without JavaScript, with a keyboard, or with a pointer that cannot drag, the form does it all.
const calendar = document.querySelector('[data-calendar]');

if (calendar) {
  let dragged;
  const strips = [...calendar.querySelectorAll('[data-slots]')];
  const pad = (n) => String(n).padStart(2, '0');
  const minutesOf = (item) => Number((item.dataset.time ?? '00:00').split(':')[1] ?? 0);

  // Each hour says the exact time the dragged post would move to; hours already gone are marked
  // and take no drop.
  const showSlots = (item) => {
    const minutes = minutesOf(item);
    for (const strip of strips) {
      for (const slot of strip.querySelectorAll('[data-drop-hour]')) {
        slot.textContent = `${pad(Number(slot.dataset.dropHour))}:${pad(minutes)}`;
        const at = Date.parse(slot.dataset.hourStart) + minutes * 60_000;
        slot.toggleAttribute('data-past', at < Date.now());
      }
      strip.hidden = false;
    }
  };
  const hideSlots = () => {
    for (const strip of strips) strip.hidden = true;
    for (const el of calendar.querySelectorAll('.ts-cal-dropping')) el.classList.remove('ts-cal-dropping');
  };

  for (const item of calendar.querySelectorAll('[data-movable="true"]')) {
    item.setAttribute('draggable', 'true');
    item.addEventListener('dragstart', (event) => {
      dragged = item;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', item.dataset.postId);
      // After the drag has begun: Chromium ends a drag whose start handler changes the page.
      setTimeout(() => showSlots(item), 0);
    });
    item.addEventListener('dragend', () => {
      dragged = undefined;
      hideSlots();
    });
  }
  for (const help of document.querySelectorAll('[data-drag-help]')) help.hidden = false;
  // Room at the foot of each day for its hours to lie over while dragging.
  if (strips.length) calendar.classList.add('ts-cal-dnd');

  const cellOf = (target) => (target instanceof Element ? target.closest('[data-drop-date]') : null);
  const slotOf = (target) => {
    const slot = target instanceof Element ? target.closest('[data-drop-hour]') : null;
    return slot && !slot.hasAttribute('data-past') ? slot : null;
  };
  // Over an hour already gone, nothing: the drop must not fall through to the day.
  const isOverPastHour = (target) =>
    target instanceof Element && Boolean(target.closest('[data-drop-hour][data-past]'));
  // The element a drop here would move the post to: an hour if over one, else the day.
  const targetOf = (target) => (isOverPastHour(target) ? null : (slotOf(target) ?? cellOf(target)));

  calendar.addEventListener('dragover', (event) => {
    const target = targetOf(event.target);
    if (!target || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    for (const el of calendar.querySelectorAll('.ts-cal-dropping'))
      if (el !== target) el.classList.remove('ts-cal-dropping');
    target.classList.add('ts-cal-dropping');
  });
  calendar.addEventListener('dragleave', (event) => {
    const target = targetOf(event.target);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove('ts-cal-dropping');
  });
  calendar.addEventListener('drop', (event) => {
    const cell = cellOf(event.target);
    const slot = slotOf(event.target);
    if (!cell || !dragged || isOverPastHour(event.target)) return;
    event.preventDefault();
    const item = dragged;
    hideSlots();
    // Dropped back on its own day, not on an hour: nothing to move.
    if (!slot && cellOf(item) === cell) return;
    const form = item.querySelector('form[data-reschedule-form]');
    const [year, month, day] = cell.dataset.dropDate.split('-');
    if (!form || !year || !month || !day) return;
    form.elements.namedItem('schedule-day').value = String(Number(day));
    form.elements.namedItem('schedule-month').value = String(Number(month));
    form.elements.namedItem('schedule-year').value = year;
    if (slot)
      form.elements.namedItem('schedule-time').value =
        `${pad(Number(slot.dataset.dropHour))}:${pad(minutesOf(item))}`;
    form.requestSubmit();
  });
}
