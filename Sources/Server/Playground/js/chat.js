// chat.js — the Chat view: a conversation with a system prompt, sent as OpenAI chat messages
// (POST /v1/chat/completions, streamed) and rendered by the model's own chat template on the server. A toggle
// shows the exact prompt string the model reads (POST /apply-template), its special tokens highlighted. JSON mode
// ({"type": "json_object"}) or a JSON schema constrains the reply to parse (and validate). Under each reply, the
// alternatives the model weighed for its first token (logprobs + top_logprobs).
import * as api from './api.js';
import { bars } from './bars.js';
import { h, showError, clearErrors } from './ui.js';

const exampleSchema = JSON.stringify({
  type: 'object',
  properties: { city: { type: 'string' }, country: { type: 'string' }, population: { type: 'integer' } },
  required: ['city', 'country'],
}, null, 2);

export class ChatView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.messages = [];   // [{role, content}] without the system prompt
    this.render();
  }

  render() {
    this.system = h('textarea', { id: 'chat-system', rows: 2, spellcheck: 'false' }, 'You are a helpful assistant named Lab.');
    this.format = h('select', { id: 'chat-format' }, ...[['text', 'free text'], ['json_object', 'JSON object'], ['json_schema', 'JSON schema']].map(([v, l]) => h('option', { value: v }, l)));
    this.schema = h('textarea', { id: 'chat-schema', rows: 7, spellcheck: 'false', hidden: true }, exampleSchema);
    this.format.addEventListener('change', () => { this.schema.hidden = this.format.value !== 'json_schema'; });
    this.showPrompt = h('input', { type: 'checkbox', id: 'chat-show-prompt' });
    this.showPrompt.addEventListener('change', () => this.renderPrompt());
    this.log = h('div', { id: 'chat-log', class: 'chat-log', 'aria-live': 'polite' });
    this.promptBox = h('pre', { id: 'chat-prompt', class: 'rendered-prompt', hidden: true });
    this.input = h('textarea', { id: 'chat-input', rows: 2, placeholder: 'Say something (Enter sends, Shift+Enter for a new line)' });
    this.input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this.send(); } });
    this.sendButton = h('button', { id: 'chat-send', class: 'primary', onclick: () => this.send() }, 'Send');
    this.note = h('p', { class: 'hint', id: 'chat-note' });
    this.root.replaceChildren(
      h('div', { class: 'field', dataset: { param: 'messages' } }, h('label', { for: 'chat-system', class: 'label' }, 'System prompt'), this.system,
        h('div', { class: 'field-error', hidden: true })),
      h('div', { class: 'row' },
        h('div', { class: 'field', dataset: { param: 'response_format' } }, h('label', { for: 'chat-format', class: 'label' }, 'reply format'), this.format,
          h('div', { class: 'field-error', hidden: true })),
        h('label', { class: 'check', for: 'chat-show-prompt' }, this.showPrompt, 'show the prompt the model reads'),
        h('button', { id: 'chat-clear', onclick: () => this.clear() }, 'New conversation')),
      h('div', { class: 'field', dataset: { param: 'response_format.json_schema.schema' } }, this.schema, h('div', { class: 'field-error', hidden: true })),
      this.note,
      h('div', { class: 'view-error', hidden: true }),
      this.log, this.promptBox,
      h('div', { class: 'composer' }, this.input, this.sendButton));
  }

  activate() {
    const m = this.app.modelInfo();
    const chatless = m && !m.chat_template;
    this.note.textContent = chatless
      ? `${m.id} has no chat template: serve it with --chat-format chatml to chat with it.`
      : m ? `rendered with ${m.chat_template === 'model' ? 'the model\u2019s own chat template' : `the ${m.chat_template} template`}` : '';
    this.sendButton.disabled = chatless;
    this.renderPrompt();
  }

  clear() {
    this.messages = [];
    this.log.replaceChildren();
    this.renderPrompt();
  }

  conversation() {
    const system = this.system.value.trim();
    return [...(system ? [{ role: 'system', content: system }] : []), ...this.messages];
  }

  responseFormat() {
    if (this.format.value === 'json_object') return { type: 'json_object' };
    if (this.format.value === 'json_schema') {
      let schema;
      try { schema = JSON.parse(this.schema.value); } catch (e) {
        throw Object.assign(new Error(`the schema is not JSON: ${e.message}`), { param: 'response_format.json_schema.schema' });
      }
      return { type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } };
    }
    return undefined;
  }

  async send() {
    const text = this.input.value.trim();
    if (!text) return;
    clearErrors(this.root);
    let format;
    try { format = this.responseFormat(); } catch (error) { showError(this.root, error); return; }
    this.messages.push({ role: 'user', content: text });
    this.input.value = '';
    this.log.append(bubble('user', text));
    const content = h('div', { class: 'content' });
    const reply = h('div', { class: 'message assistant', dataset: { done: 'false' } }, h('div', { class: 'role' }, 'assistant'), content);
    this.log.append(reply);
    this.sendButton.disabled = true;
    let answer = '';
    let first = null;
    const { seed, max_tokens, ...sampling } = this.app.sampling.fields();
    try {
      await api.stream('/v1/chat/completions', {
        model: this.app.model, messages: this.conversation(), ...sampling, seed, max_tokens,
        logprobs: true, top_logprobs: 10, response_format: format,
      }, (chunk) => {
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) return;
        if (choice.delta && choice.delta.content) { answer += choice.delta.content; content.textContent = answer; }
        const entries = choice.logprobs && choice.logprobs.content;
        if (!first && entries && entries.length) first = entries[0];
      });
      this.messages.push({ role: 'assistant', content: answer });
      if (format) reply.append(jsonBadge(answer));
      if (first) reply.append(firstToken(first));
      reply.dataset.text = answer;
    } catch (error) {
      this.messages.pop();
      reply.remove();
      showError(this.root, error, 'messages');
    } finally {
      reply.dataset.done = 'true';
      this.sendButton.disabled = false;
      this.log.scrollTop = this.log.scrollHeight;
      this.renderPrompt();
    }
  }

  /** The prompt string the template makes of the conversation (with the assistant's header), specials marked. */
  async renderPrompt() {
    this.promptBox.hidden = !this.showPrompt.checked;
    if (!this.showPrompt.checked) return;
    try {
      const r = await api.post('/apply-template', { model: this.app.model, messages: this.conversation().length ? this.conversation() : [{ role: 'user', content: '' }] });
      this.promptBox.replaceChildren(...highlightSpecials(r.prompt));
    } catch (error) {
      this.promptBox.textContent = error.message;
    }
  }
}

function bubble(role, text) {
  return h('div', { class: `message ${role}` }, h('div', { class: 'role' }, role), h('div', { class: 'content' }, text));
}

function jsonBadge(text) {
  try { JSON.parse(text); return h('div', { class: 'badge ok' }, 'parses as JSON'); } catch { return h('div', { class: 'badge bad' }, 'not valid JSON'); }
}

/** The first token's alternatives: what else the reply could have started with. */
function firstToken(entry) {
  const rows = entry.top_logprobs.map((a, i) => ({ id: i, piece: a.token, p: Math.exp(a.logprob), logprob: a.logprob }));
  return h('details', { class: 'first-token' },
    h('summary', {}, `first token “${entry.token}” — p ${Math.exp(entry.logprob).toFixed(3)}; the alternatives`),
    bars(rows, { label: 'first token alternatives', scale: 1, tail: Math.max(0, 1 - rows.reduce((s, r) => s + r.p, 0)) }));
}

/** Special tokens (<|im_start|>, <s>, [INST]…) as marked spans, the rest as text; newlines shown as ⏎ + break. */
function highlightSpecials(prompt) {
  const parts = [];
  const pattern = /<\|[^|>]*\|>|<\/?s>|\[\/?INST\]|<<\/?SYS>>/g;
  let last = 0;
  for (const m of prompt.matchAll(pattern)) {
    if (m.index > last) parts.push(document.createTextNode(prompt.slice(last, m.index)));
    parts.push(h('mark', { class: 'special' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < prompt.length) parts.push(document.createTextNode(prompt.slice(last)));
  return parts;
}
