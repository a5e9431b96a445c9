// next-token.js — the Next token view: the model's distribution over the next token after a prompt, as bars (the
// top N, and the mass of the rest), and beside it what each stage of the sampler chain leaves — in the chain order
// set in the sampling panel: which tokens a cut removes (struck through) and how the rest renormalize, with each
// stage's entropy. Redrawn as the sliders move: POST /v1/next_token returns the whole picture in one answer (the
// server keeps the prompt's logits, so a slider move costs the cuts, not a forward pass); at most one request is
// in flight, and the latest settings are sent when it returns.
import * as api from './api.js';
import { bars } from './bars.js';
import { h, showError, clearErrors } from './ui.js';

export class NextTokenView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.inFlight = false;
    this.dirty = false;
    this.render();
    app.sampling.onChange(() => { if (this.active) this.refresh(); });
  }

  render() {
    this.prompt = h('input', { id: 'next-prompt', type: 'text', value: 'The quick brown fox', spellcheck: 'false', 'aria-label': 'prompt' });
    this.prompt.addEventListener('input', () => this.refresh());
    this.top = h('select', { id: 'next-top', 'aria-label': 'tokens shown' }, ...[10, 20, 30, 50].map((n) => h('option', { value: n, selected: n === 20 }, n)));
    this.top.addEventListener('change', () => this.refresh());
    this.summary = h('div', { id: 'next-summary', class: 'status' });
    this.stages = h('div', { id: 'next-stages', class: 'stages' });
    this.root.replaceChildren(
      h('div', { class: 'row' },
        h('div', { class: 'field grow', dataset: { param: 'prompt' } },
          h('label', { for: 'next-prompt', class: 'label' }, 'Prompt'), this.prompt, h('div', { class: 'field-error', hidden: true })),
        h('div', { class: 'field', dataset: { param: 'top' } }, h('label', { for: 'next-top', class: 'label' }, 'show'), this.top)),
      h('div', { class: 'view-error', hidden: true }),
      this.summary, this.stages);
  }

  activate() { this.active = true; this.refresh(); }
  deactivate() { this.active = false; }

  /** Asks for the distribution with the current settings (or marks that it must be asked again). */
  refresh() {
    this.changedAt = performance.now();
    if (this.inFlight) { this.dirty = true; return; }
    this.fetch();
  }

  async fetch() {
    this.inFlight = true;
    this.dirty = false;
    this.stages.dataset.done = 'false';
    const started = this.changedAt;
    const sent = performance.now();
    const { seed, max_tokens, ...sampling } = this.app.sampling.fields();
    const n = Number(this.top.value);
    try {
      const r = await api.post('/v1/next_token', { model: this.app.model, prompt: this.prompt.value, top: n, ...sampling });
      const answered = performance.now();
      clearErrors(this.root);
      this.draw(r, n);
      const drawn = performance.now();
      this.summary.dataset.ms = (drawn - started).toFixed(1);
      this.summary.dataset.serverMs = (answered - sent).toFixed(1);
      this.summary.append(h('span', { class: 'timing' }, ` · redrawn ${(drawn - started).toFixed(0)} ms after the change`));
    } catch (error) {
      showError(this.root, error);
    } finally {
      this.inFlight = false;
      if (this.dirty) this.fetch();
      else this.stages.dataset.done = 'true';   // what is drawn is the latest settings' answer
    }
  }

  draw(r, n) {
    this.summary.textContent = `after ${r.prompt_tokens.length} prompt tokens · vocabulary ${r.vocab_size.toLocaleString()}`;
    const model = {
      step: 'model', count: r.vocab_size, entropy: r.entropy, ids: r.top.ids, pieces: r.top.pieces, probabilities: r.top.probabilities,
    };
    // One scale for every panel (the largest probability shown fills its bar), so renormalization is seen.
    const scale = Math.max(1e-9, ...[model, ...r.stages].map((s) => s.probabilities[0] ?? 0));
    // The chain at a glance: each stage with the candidates it leaves; a stage that changed nothing (its knob is
    // off) gets no panel of its own.
    const strip = h('ol', { class: 'chain-strip', 'aria-label': 'the chain: candidates left after each stage' },
      h('li', { class: 'changed' }, h('span', { class: 'name' }, 'model'), h('span', { class: 'count' }, r.vocab_size.toLocaleString())));
    const panels = [this.panel(model, null, n, 'the raw distribution, softmax(logits)', scale)];
    let previous = model;
    for (const stage of r.stages) {
      const same = sameStage(stage, previous);
      strip.append(h('li', { class: same ? 'same' : 'changed', dataset: { step: stage.step } },
        h('span', { class: 'name' }, stage.step), h('span', { class: 'count' }, same ? 'no change' : stage.count.toLocaleString())));
      if (same) continue;
      panels.push(this.panel(stage, previous, n, describe(stage.step), scale));
      previous = stage;
    }
    if (r.stages.length === 0) {
      strip.append(h('li', { class: 'changed' }, h('span', { class: 'name' }, 'argmax'), h('span', { class: 'count' }, '1')));
      panels.push(h('section', { class: 'stage note' }, h('h3', {}, 'greedy'),
        h('p', {}, 'Temperature 0: no draw — the most likely token (the first bar) is taken every time.')));
    }
    this.stages.replaceChildren(...panels);
    this.strip?.remove();
    this.strip = strip;
    this.stages.before(strip);
  }

  /** One stage: its candidates' bars, the ones it cut from the previous stage's list, its count and entropy. */
  panel(stage, previous, n, what, scale) {
    const kept = new Set(stage.ids);
    const rows = stage.ids.map((id, i) => ({ id, piece: stage.pieces[i], p: stage.probabilities[i] }));
    // When every candidate left is listed, a token of the previous list that is missing here was cut.
    if (previous && stage.count <= n) {
      previous.ids.forEach((id, i) => { if (!kept.has(id)) rows.push({ id, piece: previous.pieces[i], p: previous.probabilities[i], removed: true }); });
    }
    const shown = stage.probabilities.reduce((s, p) => s + p, 0);
    return h('section', { class: 'stage', dataset: { step: stage.step, count: stage.count, entropy: stage.entropy } },
      h('h3', {}, stage.step),
      h('p', { class: 'facts' }, h('strong', {}, stage.count.toLocaleString()), ' left · H = ', stage.entropy.toFixed(3), ' nats'),
      h('p', { class: 'hint' }, what),
      bars(rows, { tail: Math.max(0, 1 - shown), label: `${stage.step}: probabilities`, scale }));
  }
}

/**
 * Whether a stage left what the one before it left: the same tokens with the same probabilities but for rounding
 * (the model's column is a log-softmax, the stages' a softmax: they differ in the 10th digit).
 */
function sameStage(a, b) {
  return a.count === b.count && a.ids.length === b.ids.length
    && a.ids.every((id, i) => id === b.ids[i] && Math.abs(a.probabilities[i] - b.probabilities[i]) <= 1e-8);
}

function describe(step) {
  return {
    processors: 'logit bias and n-gram bans',
    penalties: 'repetition, frequency and presence penalties',
    temperature: 'softmax(logits / T)',
    'top-k': 'keeps the k most likely',
    'top-p': 'keeps the smallest set with mass ≥ p',
    'min-p': 'keeps p ≥ min-p × p(best)',
    'typical-p': 'keeps the locally typical tokens',
  }[step] || '';
}
