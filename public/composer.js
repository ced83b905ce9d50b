/* global document, window */
// Progressive enhancement for the publishing composer: as the officer types, ask the server
// for the same checks it enforces at submission (counts as each channel counts, limits,
// readability, words to avoid, hashtags, links, pre-election names) and show them beside the
// text. Without JavaScript the checks appear when the draft is saved.
const form = document.querySelector('form[data-module="ts-composer"]');
const advice = document.getElementById('composer-advice');

function render(result) {
  const box = document.createElement('div');
  box.className = 'govuk-inset-text';
  const add = (tag, text, className) => {
    const el = document.createElement(tag);
    el.className = className || 'govuk-body';
    el.textContent = text;
    box.append(el);
    return el;
  };
  add('h2', 'Checks', 'govuk-heading-s');
  const r = result.advice.readability;
  add('p', `Reading ease: ${r.score} out of 100 (${r.label}). Aim for 60 or more.`);
  for (const s of r.hardSentences) {
    const p = add('p', '');
    const mark = document.createElement('mark');
    mark.textContent = s;
    p.append('Hard to read: ', mark);
  }
  for (const w of result.advice.wordsToAvoid)
    add('p', `“${w.word}”: instead, ${w.instead} (GOV.UK style guide)`);
  for (const h of result.advice.hashtags) add('p', h);
  for (const l of result.advice.links) add('p', l);
  if (result.advice.election.length)
    add(
      'p',
      `Pre-election period: this post names ${result.advice.election.join(', ')}. It needs an extra approval.`,
      'govuk-body govuk-!-font-weight-bold',
    );
  for (const c of result.channels) {
    add(
      'p',
      `${c.name}: ${c.count} of ${c.limit} characters`,
      c.count > c.limit ? 'govuk-body govuk-error-message' : 'govuk-body',
    );
    for (const p of c.problems) add('p', `${c.name}: ${p}`, 'govuk-body govuk-error-message');
    const hint = document.getElementById(`variant-${c.accountId}-hint`);
    if (hint) hint.textContent = `${c.count} of ${c.limit} characters`;
  }
  advice.replaceChildren(box);
}

let timer;
async function check() {
  const data = new URLSearchParams(new FormData(form));
  const response = await fetch(form.dataset.checkUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': data.get('_csrf') || '' },
    body: data,
    credentials: 'same-origin',
  });
  if (response.ok) render(await response.json());
}

if (form && advice && window.fetch) {
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => check().catch(() => undefined), 400);
  });
}
