// compare.js — the Compare view: several decoding strategies on one prompt with one seed, side by side, with the
// figures `lmlab compare` prints (POST /v1/compare runs the same library function): mean log p (how probable the
// model finds the text), distinct-2 (distinct bigrams / bigrams: low means loops), repeated 3-grams, time.
import * as api from './api.js';
import { h, showError, clearErrors } from './ui.js';

const choices = ['greedy', 'beam:4', 'top-k:40', 'top-p:0.9', 'min-p:0.1', 'typical:0.9', 'temp:1.5', 'top-p:0.9@0.8'];
const defaults = new Set(['greedy', 'beam:4', 'top-k:40', 'top-p:0.9', 'temp:1.5']);

export class CompareView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.render();
  }

  render() {
    this.prompt = h('input', { id: 'compare-prompt', type: 'text', value: 'Once upon a time, in a small village,', spellcheck: 'false' });
    this.boxes = choices.map((s) => h('input', { type: 'checkbox', value: s, checked: defaults.has(s), id: `cmp-${s}` }));
    this.custom = h('input', { id: 'compare-custom', type: 'text', placeholder: 'more, comma-separated: top-k:10@0.7, beam:8', spellcheck: 'false' });
    this.maxTokens = h('input', { id: 'compare-max-tokens', type: 'number', min: 2, value: 32 });
    this.seed = h('input', { id: 'compare-seed', type: 'number', min: 0, value: 1 });
    this.runButton = h('button', { id: 'compare-run', class: 'primary', onclick: () => this.run() }, 'Compare');
    this.result = h('div', { id: 'compare-result' });
    this.root.replaceChildren(
      h('div', { class: 'field', dataset: { param: 'prompt' } }, h('label', { for: 'compare-prompt', class: 'label' }, 'Prompt'), this.prompt,
        h('div', { class: 'field-error', hidden: true })),
      h('fieldset', { class: 'field strategies', dataset: { param: 'strategies' } }, h('legend', { class: 'label' }, 'Strategies'),
        h('div', { class: 'checks' }, ...this.boxes.map((b) => h('label', { for: b.id }, b, b.value))), this.custom,
        h('div', { class: 'field-error', hidden: true })),
      h('div', { class: 'row' },
        h('div', { class: 'field', dataset: { param: 'max_tokens' } }, h('label', { for: 'compare-max-tokens', class: 'label' }, 'max tokens'), this.maxTokens, h('div', { class: 'field-error', hidden: true })),
        h('div', { class: 'field', dataset: { param: 'seed' } }, h('label', { for: 'compare-seed', class: 'label' }, 'seed'), this.seed, h('div', { class: 'field-error', hidden: true })),
        h('div', { class: 'field end' }, this.runButton)),
      h('div', { class: 'view-error', hidden: true }),
      this.result);
    this.prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.run(); });
  }

  strategies() {
    const picked = this.boxes.filter((b) => b.checked).map((b) => b.value);
    const extra = this.custom.value.split(',').map((s) => s.trim()).filter(Boolean);
    return [...picked, ...extra];
  }

  async run() {
    clearErrors(this.root);
    this.runButton.disabled = true;
    this.result.replaceChildren(h('p', { class: 'status' }, 'running each strategy…'));
    this.result.dataset.done = 'false';
    try {
      const r = await api.post('/v1/compare', {
        model: this.app.model, prompt: this.prompt.value, strategies: this.strategies(),
        max_tokens: Number(this.maxTokens.value), seed: Number(this.seed.value),
      });
      this.draw(r);
    } catch (error) {
      this.result.replaceChildren();
      showError(this.root, error);
    } finally {
      this.runButton.disabled = false;
      this.result.dataset.done = 'true';
    }
  }

  draw(r) {
    const best = Math.max(...r.rows.map((row) => row.mean_logprob));
    const worst = Math.min(...r.rows.map((row) => row.mean_logprob));
    const table = h('table', { class: 'compare' },
      h('caption', {}, `“${r.prompt}” — ${r.max_tokens} new tokens, seed ${r.seed}`),
      h('thead', {}, h('tr', {}, ...['strategy', 'mean log p', 'distinct-2', 'repeated 3-grams', 'tokens', 'time'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...r.rows.map((row) => h('tr', { dataset: { strategy: row.strategy, meanLogprob: row.mean_logprob, distinct2: row.distinct2, repeated3grams: row.repeated3grams, tokens: row.tokens } },
        h('th', { scope: 'row' }, row.strategy),
        h('td', { class: 'num' }, meter((row.mean_logprob - worst) / Math.max(1e-9, best - worst)), row.mean_logprob.toFixed(3)),
        h('td', { class: 'num' }, meter(row.distinct2), row.distinct2.toFixed(2)),
        h('td', { class: 'num' }, String(row.repeated3grams)),
        h('td', { class: 'num' }, String(row.tokens)),
        h('td', { class: 'num' }, `${row.seconds.toFixed(2)} s`)))));
    const texts = h('div', { class: 'cards' }, ...r.rows.map((row) => h('article', { class: 'card', dataset: { strategy: row.strategy } },
      h('h3', {}, row.strategy), h('p', { class: 'sample' }, h('span', { class: 'prompt-text' }, r.prompt), h('span', { class: 'continuation' }, row.text)))));
    this.result.replaceChildren(table, texts);
  }
}

/** A small bar in a table cell (0…1). */
function meter(x) {
  return h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round(100 * Math.max(0, Math.min(1, x)))}%` } }));
}
