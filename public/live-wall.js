/* global document, window, EventSource */
// The live wall, kept current over server-sent events. Progressive enhancement only: without
// this file the page lists the questions and a link refreshes them. Everything a resident
// typed is set with textContent, never as HTML.
const wall = document.getElementById('wall');
if (wall && wall.dataset.events && 'EventSource' in window) {
  const labels = {
    approved: 'Approved',
    put: 'Put to the meeting',
    answered: 'Answered',
    answered_in_writing: 'Answered in writing',
  };
  const announcer = document.getElementById('wall-announcer');
  const status = document.getElementById('wall-status');
  const empty = document.getElementById('wall-empty');
  const announce = (text) => {
    if (announcer) announcer.textContent = text;
  };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const voteForm = (q) => {
    const form = el('form', 'govuk-!-margin-bottom-0 ts-question__vote');
    form.method = 'post';
    form.action = `${wall.dataset.voteBase}${encodeURIComponent(q.id)}/vote`;
    const csrf = el('input');
    csrf.type = 'hidden';
    csrf.name = '_csrf';
    csrf.value = wall.dataset.csrf || '';
    const button = el(
      'button',
      'govuk-button govuk-button--secondary govuk-!-margin-bottom-2',
      'Vote for this question',
    );
    button.append(el('span', 'govuk-visually-hidden', `: ${q.text.slice(0, 60)}`));
    form.append(csrf, button);
    return form;
  };

  const create = (q) => {
    const li = el('li', 'ts-question');
    li.id = `question-${q.id}`;
    li.dataset.questionId = q.id;
    const text = el('p', 'govuk-body govuk-!-margin-bottom-1 ts-question__text');
    const meta = el('p', 'govuk-body-s govuk-!-margin-bottom-1');
    meta.append(
      'Asked by ',
      el('span', 'ts-question__asker'),
      el('span', 'ts-question__count'),
      '. ',
      el('strong', 'govuk-tag govuk-tag--grey ts-question__status'),
      ' ',
      el('span', 'ts-question__votes'),
    );
    li.append(text, meta, el('div', 'ts-question__answer'));
    wall.append(li);
    return li;
  };

  const render = (li, q) => {
    li.dataset.votes = String(q.votes);
    li.querySelector('.ts-question__text').textContent = q.text;
    li.querySelector('.ts-question__asker').textContent = q.askerName;
    const others = q.askCount - 1;
    li.querySelector('.ts-question__count').textContent =
      others > 0 ? ` and ${others} ${others === 1 ? 'other' : 'others'}` : '';
    li.querySelector('.ts-question__status').textContent = labels[q.status] || q.status;
    li.querySelector('.ts-question__votes').textContent = `${q.votes} ${q.votes === 1 ? 'vote' : 'votes'}`;
    const answer = li.querySelector('.ts-question__answer');
    answer.replaceChildren();
    if (q.answer) {
      const p = el('p', 'govuk-body govuk-!-margin-bottom-1');
      p.append(el('strong', '', 'Answer:'), ` ${q.answer}`);
      answer.append(p);
    }
    const form = li.querySelector('.ts-question__vote');
    if (q.status === 'approved' && !form) li.append(voteForm(q));
    if (q.status !== 'approved' && form) form.remove();
  };

  const onQuestion = (event) => {
    const q = JSON.parse(event.data);
    let li = document.getElementById(`question-${q.id}`);
    if (!labels[q.status]) {
      if (li) li.remove();
    } else {
      const isNew = !li;
      if (!li) li = create(q);
      const wasAnswered = li.dataset.answered === 'yes';
      render(li, q);
      li.dataset.answered = q.answer ? 'yes' : 'no';
      if (isNew) announce(`New question from ${q.askerName}`);
      else if (q.answer && !wasAnswered) announce(`The question from ${q.askerName} has been answered`);
    }
    if (empty) empty.hidden = wall.children.length > 0;
    if (status) status.firstChild.textContent = `Updated live at ${new Date().toLocaleTimeString('en-GB')}. `;
  };

  const onPoll = (event) => {
    const poll = JSON.parse(event.data);
    const box = document.getElementById(`poll-${poll.id}`);
    if (!box) return;
    poll.counts.forEach((count, i) => {
      const cell = box.querySelector(`[data-choice="${i}"] .ts-poll__count`);
      if (cell) cell.textContent = String(count);
    });
  };

  const source = new EventSource(wall.dataset.events);
  source.addEventListener('question', onQuestion);
  source.addEventListener('poll', onPoll);
  wall.dataset.live = 'connecting';
  source.addEventListener('open', () => {
    wall.dataset.live = 'open';
  });
}
