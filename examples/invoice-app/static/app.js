// Dashboard behaviour: the invoice count from the JSON API, and live activity over WebSocket and SSE.
const MAX_LIVE_EVENTS = 20;

const invoiceCount = document.getElementById('invoice-count');
const eventCount = document.getElementById('event-count');
const liveEvents = document.getElementById('live-events');

function addLiveEvent(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  liveEvents.prepend(item);
  while (liveEvents.children.length > MAX_LIVE_EVENTS) liveEvents.lastElementChild.remove();
}

async function showInvoiceCount() {
  try {
    const response = await fetch('/api/invoices', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { invoices } = await response.json();
    invoiceCount.textContent = `${invoices.length} invoices loaded from the API.`;
  } catch (error) {
    invoiceCount.textContent = `Could not load invoices: ${error.message}`;
  }
}

function connectWebSocket() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${location.host}/ws`);
  socket.addEventListener('open', () => socket.send('dashboard connected'));
  socket.addEventListener('message', (event) => addLiveEvent(`websocket: ${event.data}`));
  socket.addEventListener('close', (event) => addLiveEvent(`websocket closed (code ${event.code})`));
}

function followServerEvents() {
  const source = new EventSource('/events');
  source.addEventListener('tick', (event) => {
    eventCount.textContent = String(JSON.parse(event.data).count);
  });
  source.addEventListener('error', () => addLiveEvent('event stream interrupted, retrying'));
}

if (invoiceCount && eventCount && liveEvents) {
  showInvoiceCount();
  connectWebSocket();
  followServerEvents();
}
