// api.js — the only way the page talks to lmlab: the server's own HTTP API (the same endpoints scripts and the
// openai client use). JSON in, JSON out; streamed answers are server-sent events (`data: {json}` lines, then
// `data: [DONE]`). An error answer is OpenAI's {"error": {message, type, param, code}}: it becomes an ApiError
// whose `param` names the request field at fault, so the page can show it next to the control that set it.

/** An error answer from the server (or the network), with the field it names. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.param = e.param || null;
    this.code = e.code || null;
  }
}

/** The API key (lmlab serve --api-key), kept in this browser only. */
export const auth = {
  get key() { return localStorage.getItem('lmlab.apiKey') || ''; },
  set key(value) { value ? localStorage.setItem('lmlab.apiKey', value) : localStorage.removeItem('lmlab.apiKey'); },
  /** Called on a 401 (the page asks for the key); set by app.js. */
  onUnauthorized: () => {},
};

function headers() {
  const h = { 'Content-Type': 'application/json' };
  if (auth.key) h.Authorization = `Bearer ${auth.key}`;
  return h;
}

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: the status says it */ }
  if (response.status === 401) auth.onUnauthorized();
  return new ApiError(response.status, body);
}

/** GET a JSON answer. */
export async function get(path, { signal } = {}) {
  const response = await fetch(path, { headers: headers(), signal });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** POST `body` as JSON; the JSON answer. */
export async function post(path, body, { signal } = {}) {
  const response = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body), signal });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * POST `body` with "stream": true and call `onEvent(json)` for each server-sent event until [DONE]. An error
 * event inside the stream ({"error": …}) throws like an error answer. Abort with `signal`.
 */
export async function stream(path, body, onEvent, { signal } = {}) {
  const response = await fetch(path, {
    method: 'POST', headers: headers(), body: JSON.stringify({ ...body, stream: true }), signal,
  });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // Events are separated by a blank line; a comment line (": keep-alive") carries nothing.
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        const json = JSON.parse(data);
        if (json.error) throw new ApiError(400, json);
        onEvent(json);
      }
    }
  }
}
