// complete.js — the Complete view: a prompt, Run, and the text streaming in token by token (POST /v1/completions
// with "stream": true and lmlab's "n_probs", which gives each token's id, bytes, log-probability, rank and best
// alternatives). Each token is shaded by its probability or by its rank in GLTR's four bands; clicking one (or
// Enter on it) shows the alternatives at that step, and clicking an alternative forks the generation there (the
// prompt becomes the token ids up to that step plus the alternative). "Score the prompt" asks for the prompt's own
// tokens (echo) to read a human text's surprise token by token.
import * as api from './api.js';
import { bars } from './bars.js';
import { h, showError, clearErrors, probabilityColour, rankColour, gltrBands, logp, prob, visible } from './ui.js';

const alternatives = 10;   // n_probs: alternatives listed per token

export class CompleteView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.tokens = [];          // [{id, text, logprob, rank, top, prompt?}] in order: scored prompt tokens, then new ones
    this.promptIDs = null;     // the prompt's ids (for forks)
    this.shading = 'probability';
    this.selected = null;
    this.render();
  }

  render() {
    this.prompt = h('textarea', { id: 'complete-prompt', rows: 3, spellcheck: 'false', 'aria-label': 'prompt' }, 'The capital of France is');
    this.prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.run(); } });
    this.runButton = h('button', { id: 'complete-run', class: 'primary', onclick: () => this.run() }, 'Run');
    this.stopButton = h('button', { id: 'complete-stop', onclick: () => this.stop(), disabled: true }, 'Stop');
    this.scoreButton = h('button', { id: 'complete-score', onclick: () => this.score(), title: 'the log-probability of each prompt token (echo)' }, 'Score the prompt');
    const shading = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'shade tokens by' },
      ...[['probability', 'probability'], ['rank', 'GLTR rank']].map(([value, label]) => {
        const input = h('input', { type: 'radio', name: 'shading', value, id: `shade-${value}`, checked: value === this.shading });
        input.addEventListener('change', () => { this.shading = value; this.paint(); this.legend(); });
        return h('label', { for: `shade-${value}` }, input, label);
      }));
    this.output = h('div', { id: 'complete-output', class: 'tokens', 'aria-live': 'polite', 'aria-label': 'generated text; arrow keys move between tokens, Enter shows alternatives' });
    this.output.addEventListener('keydown', (e) => this.keys(e));
    this.status = h('div', { id: 'complete-status', class: 'status' });
    this.legendBox = h('div', { class: 'legend', 'aria-hidden': 'true' });
    this.details = h('div', { id: 'complete-details', class: 'details', hidden: true });
    this.root.replaceChildren(
      h('div', { class: 'field', dataset: { param: 'prompt' } },
        h('label', { for: 'complete-prompt', class: 'label' }, 'Prompt'), this.prompt, h('div', { class: 'field-error', hidden: true })),
      h('div', { class: 'toolbar' }, this.runButton, this.stopButton, this.scoreButton, h('span', { class: 'spacer' }), h('span', { class: 'label' }, 'shade by'), shading),
      h('div', { class: 'view-error', hidden: true }),
      h('div', { class: 'split' },
        h('div', { class: 'panel' }, this.output, this.status, this.legendBox),
        this.details));
    this.legend();
  }

  /** Run: stream a completion of the prompt text with the sampling panel's settings. */
  async run() {
    const text = this.prompt.value;
    this.promptIDs = null;
    await this.generate({ prompt: text }, [], text);
  }

  /** Fork at token i: the ids up to it, then `alt` instead of it, and a new stream from there. */
  async fork(i, alt) {
    const kept = this.tokens.slice(0, i);
    // Busy from the click on: the prompt's ids may take a request first, and the output must not look finished
    // meanwhile. A scored prompt's tokens are in `tokens` already; otherwise the prompt's ids come first.
    this.busy(true);
    let before;
    try {
      before = this.scored ? [] : await this.ensurePromptIDs();
    } catch (error) {
      showError(this.root, error);
      this.busy(false);
      return;
    }
    const ids = [...before, ...kept.map((t) => t.id), alt.id];
    const forked = { id: alt.id, text: alt.token, logprob: alt.logprob, rank: alt.rank, top: this.tokens[i].top, forked: true };
    await this.generate({ prompt: ids }, [...kept, forked], this.promptText);
  }

  async ensurePromptIDs() {
    if (!this.promptIDs) {
      const r = await api.post('/tokenize', { model: this.app.model, content: this.promptText, add_special: true });
      this.promptIDs = r.tokens;
    }
    return this.promptIDs;
  }

  /** Streams `request` (over the kept tokens `prefix`), showing each token as it comes. */
  async generate(request, prefix, promptText) {
    this.stop();
    clearErrors(this.root);
    const controller = new AbortController();
    this.controller = controller;
    this.promptText = promptText;
    this.scored = prefix.some((t) => t.prompt);
    this.tokens = prefix;
    this.streamed = '';
    this.finish = null;
    this.decoder = new TextDecoder('utf-8');
    this.selected = null;
    this.details.hidden = true;
    this.draw();
    this.busy(true);
    const start = performance.now();
    let count = 0;
    const body = { model: this.app.model, ...this.app.sampling.fields(), ...request, n_probs: alternatives };
    try {
      await api.stream('/v1/completions', body, (chunk) => {
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) return;
        this.streamed += choice.text || '';
        for (const entry of choice.completion_probabilities || []) {
          count += 1;
          this.add({ id: entry.id, text: this.decoder.decode(new Uint8Array(entry.bytes), { stream: true }),
            logprob: entry.logprob, rank: entry.rank, top: entry.top_logprobs });
        }
        if (choice.finish_reason) this.finish = choice.finish_reason;
        this.showStatus(count, start);
      }, { signal: controller.signal });
    } catch (error) {
      if (error.name !== 'AbortError') showError(this.root, error);
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.busy(false);
        this.output.dataset.text = this.streamed;
        this.output.dataset.done = 'true';
        this.showStatus(count, start);
      }
    }
  }

  /** Score the prompt: each prompt token's log-probability and rank given the ones before it (echo). */
  async score() {
    this.stop();
    clearErrors(this.root);
    this.busy(true);
    try {
      const text = this.prompt.value;
      const r = await api.post('/v1/completions', {
        model: this.app.model, prompt: text, echo: true, max_tokens: 1, temperature: 0, n_probs: alternatives,
      });
      const entries = r.choices[0].completion_probabilities.slice(0, r.usage.prompt_tokens);
      const decoder = new TextDecoder('utf-8');
      this.promptText = text;
      this.promptIDs = entries.map((e) => e.id);
      this.scored = true;
      this.tokens = entries.map((e) => ({ id: e.id, text: decoder.decode(new Uint8Array(e.bytes), { stream: true }),
        logprob: e.logprob, rank: e.rank, top: e.top_logprobs, prompt: true }));
      this.streamed = '';
      this.finish = null;
      this.draw();
      const scored = entries.filter((e) => e.logprob !== null);
      const mean = scored.reduce((s, e) => s + e.logprob, 0) / Math.max(1, scored.length);
      this.status.textContent = `${entries.length} prompt tokens · mean log p ${mean.toFixed(3)} · perplexity ${Math.exp(-mean).toFixed(1)} (the first token has nothing before it)`;
      this.output.dataset.done = 'true';
    } catch (error) {
      showError(this.root, error);
    } finally {
      this.busy(false);
    }
  }

  stop() {
    if (this.controller) { this.controller.abort(); this.controller = null; this.busy(false); }
  }

  busy(on) {
    this.runButton.disabled = on;
    this.scoreButton.disabled = on;
    this.stopButton.disabled = !on;
    this.output.dataset.done = on ? 'false' : 'true';
  }

  showStatus(count, start) {
    const seconds = (performance.now() - start) / 1000;
    const parts = [`${count} new tokens`, `${(count / Math.max(seconds, 1e-3)).toFixed(1)} tokens/s`];
    if (this.finish) parts.push(`finish: ${this.finish}`);
    const seed = this.app.sampling.fields().seed;
    if (seed !== undefined && this.app.sampling.fields().temperature > 0) parts.push(`seed ${seed}`);
    this.status.textContent = parts.join(' · ');
  }

  /** The whole output: the prompt (as text, or as scored tokens), then the tokens. */
  draw() {
    const children = [];
    if (!this.scored) children.push(h('span', { class: 'prompt-text' }, this.promptText ?? ''));
    this.output.replaceChildren(...children);
    this.tokens.forEach((t, i) => this.output.append(this.span(t, i)));
    this.roving();
  }

  add(token) {
    this.tokens.push(token);
    this.output.append(this.span(token, this.tokens.length - 1));
    if (this.tokens.length === 1) this.roving();
  }

  span(t, i) {
    const p = t.logprob === null ? null : Math.exp(t.logprob);
    const el = h('span', {
      // A token that holds a line break shows a ⏎ (CSS, not text) so it can be seen and clicked.
      class: `tok${t.prompt ? ' from-prompt' : ''}${t.forked ? ' forked' : ''}${t.text.includes('\n') ? ' nl' : ''}`, role: 'button', tabindex: -1,
      dataset: { i, id: t.id, logprob: t.logprob ?? '', rank: t.rank ?? '' },
      title: p === null ? 'first token: nothing predicts it' : `p = ${prob(p)} · log p = ${logp(t.logprob)} · rank ${t.rank}`,
      onclick: () => this.select(i),
    }, t.text);
    this.shade(el, t);
    return el;
  }

  shade(el, t) {
    if (t.logprob === null) { el.style.background = 'transparent'; return; }
    el.style.background = this.shading === 'rank' ? rankColour(t.rank) : probabilityColour(Math.exp(t.logprob));
  }

  paint() {
    this.output.querySelectorAll('.tok').forEach((el) => this.shade(el, this.tokens[Number(el.dataset.i)]));
  }

  legend() {
    const items = this.shading === 'rank'
      ? gltrBands.map((b) => h('span', {}, h('i', { style: { background: b.colour } }), b.name))
      : [0.02, 0.1, 0.3, 0.6, 0.9].map((p) => h('span', {}, h('i', { style: { background: probabilityColour(p) } }), `p ${p}`));
    this.legendBox.replaceChildren(h('span', { class: 'label' }, this.shading === 'rank' ? 'rank of the token' : 'probability of the token'), ...items);
  }

  /** One token in the tab order; arrows move along the tokens. */
  roving() {
    const spans = this.output.querySelectorAll('.tok');
    spans.forEach((s) => s.setAttribute('tabindex', '-1'));
    const current = this.selected !== null && spans[this.selected] ? spans[this.selected] : spans[0];
    if (current) current.setAttribute('tabindex', '0');
  }

  keys(e) {
    const el = e.target.closest('.tok');
    if (!el) return;
    const i = Number(el.dataset.i);
    const spans = this.output.querySelectorAll('.tok');
    const go = (j) => { if (spans[j]) { spans.forEach((s) => s.setAttribute('tabindex', '-1')); spans[j].setAttribute('tabindex', '0'); spans[j].focus(); } };
    if (e.key === 'ArrowRight') { e.preventDefault(); go(i + 1); }
    else if (e.key === 'ArrowLeft') { e.preventDefault(); go(i - 1); }
    else if (e.key === 'Home') { e.preventDefault(); go(0); }
    else if (e.key === 'End') { e.preventDefault(); go(spans.length - 1); }
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.select(i); }
  }

  /** Shows the alternatives at token i: the model's distribution there (before any sampler), best first. */
  select(i) {
    const t = this.tokens[i];
    this.selected = i;
    this.output.querySelectorAll('.tok.selected').forEach((s) => s.classList.remove('selected'));
    const el = this.output.querySelector(`.tok[data-i="${i}"]`);
    el?.classList.add('selected');
    this.roving();
    if (t.logprob === null) {
      this.details.replaceChildren(h('h3', {}, `token ${i + 1}: `, h('code', {}, visible(t.text))),
        h('p', {}, 'The first token of the prompt: nothing comes before it, so the model gives it no probability.'));
      this.details.hidden = false;
      return;
    }
    const rows = t.top.map((a, rank) => ({
      id: a.id, piece: a.token, p: Math.exp(a.logprob), logprob: a.logprob, note: `${logp(a.logprob)}`,
      title: `fork: continue with ${visible(a.token)} here`,
      onclick: () => this.fork(i, { ...a, rank: rank + 1 }),
    }));
    const shownMass = rows.reduce((s, r) => s + r.p, 0);
    this.details.replaceChildren(
      h('h3', {}, `step ${i + 1}: `, h('code', { class: 'chosen' }, visible(t.text))),
      h('p', { class: 'facts' }, `p = ${prob(Math.exp(t.logprob))} · log p = ${logp(t.logprob)} · rank ${t.rank}`),
      h('p', { class: 'hint' }, `The model's ${rows.length} most likely tokens here (log p on the right). Click one to continue the text with it instead.`),
      bars(rows, { tail: Math.max(0, 1 - shownMass), label: `alternatives at step ${i + 1}`, scale: 1 }));
    this.details.hidden = false;
  }
}
