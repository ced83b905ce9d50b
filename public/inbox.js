/* global document, window, DOMParser, EventSource */
// Progressive enhancement for the inbox queue: when the server announces a change, fetch this
// same page again and swap in its list, so new messages appear without a reload. Without
// JavaScript (or EventSource) the "Refresh the list" link does the same by hand.
const region = document.getElementById('inbox-list');
const eventsUrl = region?.dataset.inboxEvents;

async function refreshList() {
  const response = await fetch(window.location.href, {
    headers: { accept: 'text/html' },
    credentials: 'same-origin',
  });
  if (!response.ok) return;
  // Chromium parses the copy under this page's Content Security Policy, and the copy's inline
  // <style> carries the new response's nonce, not ours: it would be reported as a violation.
  // Only the list is wanted, so the copy's style elements are left out before parsing.
  const html = (await response.text()).replace(/<style\b[^>]*>[\s\S]*?<\/style>/giu, '');
  const page = new DOMParser().parseFromString(html, 'text/html');
  const fresh = page.getElementById('inbox-list');
  const current = document.getElementById('inbox-list');
  if (!fresh || !current) return;
  // Keep what the agent has ticked for a bulk action.
  const ticked = new Set(
    [...current.querySelectorAll('input[name="conversationIds"]:checked')].map((i) => i.value),
  );
  current.replaceChildren(...fresh.childNodes);
  for (const input of current.querySelectorAll('input[name="conversationIds"]'))
    input.checked = ticked.has(input.value);
}

if (region && eventsUrl && 'EventSource' in window) {
  let pending;
  const schedule = () => {
    // Several events in a burst (a message and its routing) make one refresh.
    clearTimeout(pending);
    pending = setTimeout(() => void refreshList().catch(() => undefined), 300);
  };
  const source = new EventSource(eventsUrl);
  for (const type of ['conversation.created', 'conversation.updated', 'message.created', 'case.updated'])
    source.addEventListener(type, schedule);
  // After a dropped connection, events in the gap are lost: refresh once on reconnect.
  let hasOpened = false;
  source.addEventListener('open', () => {
    if (hasOpened) schedule();
    hasOpened = true;
  });
}
