// beams.js — the Beams view: beam search drawn as a tree (POST /v1/beam_search: the same search as
// /v1/completions with num_beams, plus what it weighed at each step). One column per step: the beams it kept
// (with their cumulative score Σ log p), the hypotheses that finished there (with the length-penalised score
// Σ log p / length^α that ranks them), and the best of the candidates it pruned, greyed. Lines join each candidate
// to the beam it extends. The finished hypotheses are listed best first; focusing one lights its path.
import * as api from './api.js';
import { h, svg, showError, clearErrors, visible } from './ui.js';

const W = 150, H = 44, GAP_X = 46, GAP_Y = 10, PAD = 12;

export class BeamsView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.render();
  }

  render() {
    this.prompt = h('input', { id: 'beams-prompt', type: 'text', value: 'The best thing about Paris is', spellcheck: 'false' });
    this.beams = h('input', { id: 'beams-num', type: 'number', min: 2, max: 8, value: 3 });
    this.maxTokens = h('input', { id: 'beams-max-tokens', type: 'number', min: 1, value: 8 });
    this.lengthPenalty = h('input', { id: 'beams-length-penalty', type: 'number', step: 0.1, value: 1 });
    this.early = h('select', { id: 'beams-early' }, ...[['heuristic', 'heuristic (HF false)'], ['always', 'always (HF true)'], ['never', 'never']].map(([v, l]) => h('option', { value: v }, l)));
    this.ngram = h('input', { id: 'beams-ngram', type: 'number', min: 0, value: 0 });
    this.runButton = h('button', { id: 'beams-run', class: 'primary', onclick: () => this.run() }, 'Search');
    this.tree = h('div', { id: 'beams-tree', class: 'tree', tabindex: 0, 'aria-label': 'beam search tree (scrolls sideways)' });
    this.list = h('div', { id: 'beams-hypotheses' });
    const f = (label, el, param) => h('div', { class: 'field', dataset: { param } }, h('label', { for: el.id, class: 'label' }, label), el, h('div', { class: 'field-error', hidden: true }));
    this.root.replaceChildren(
      f('Prompt', this.prompt, 'prompt'),
      h('div', { class: 'row' }, f('beams', this.beams, 'num_beams'), f('max tokens', this.maxTokens, 'max_tokens'),
        f('length penalty α', this.lengthPenalty, 'length_penalty'), f('early stopping', this.early, 'early_stopping'),
        f('no-repeat n-gram', this.ngram, 'no_repeat_ngram_size'), h('div', { class: 'field end' }, this.runButton)),
      h('div', { class: 'view-error', hidden: true }),
      this.list, this.tree);
    this.prompt.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.run(); });
  }

  async run() {
    clearErrors(this.root);
    this.runButton.disabled = true;
    this.list.dataset.done = 'false';
    const beams = Number(this.beams.value);
    try {
      const r = await api.post('/v1/beam_search', {
        model: this.app.model, prompt: this.prompt.value, num_beams: beams, n: beams,
        max_tokens: Number(this.maxTokens.value), length_penalty: Number(this.lengthPenalty.value),
        early_stopping: this.early.value, no_repeat_ngram_size: Number(this.ngram.value),
      });
      this.draw(r, beams);
    } catch (error) {
      showError(this.root, error);
    } finally {
      this.runButton.disabled = false;
      this.list.dataset.done = 'true';
    }
  }

  draw(r, beams) {
    const steps = r.trace.steps;
    const nodes = new Map();   // "step/beam" → kept node; "f/step/i" → finished node
    const columns = steps.map((step) => {
      const kept = step.candidates.filter((c) => c.beam !== null && c.beam !== undefined).sort((a, b) => a.beam - b.beam);
      const finished = step.candidates.filter((c) => c.finished_score !== null && c.finished_score !== undefined && (c.beam === null || c.beam === undefined));
      const pruned = step.candidates.slice(0, 2 * beams).filter((c) => (c.beam === null || c.beam === undefined) && (c.finished_score === null || c.finished_score === undefined));
      return { kept, finished, pruned, hidden: step.candidates.length - kept.length - finished.length - pruned.length };
    });
    const rows = Math.max(1, ...columns.map((c) => c.kept.length + c.finished.length + c.pruned.length + (c.hidden > 0 ? 1 : 0)));
    const width = PAD * 2 + (steps.length + 1) * (W + GAP_X);
    const height = PAD * 2 + rows * (H + GAP_Y);
    const edges = svg('g', { class: 'edges' });
    const boxes = svg('g', { class: 'nodes' });
    const y = (row) => PAD + row * (H + GAP_Y);
    const x = (col) => PAD + col * (W + GAP_X);
    const prompt = node(x(0), y(0), 'prompt', `${r.trace.prompt_tokens.length} tokens`, 'prompt');
    boxes.append(prompt.g);
    let parents = [prompt];
    columns.forEach((c, s) => {
      const placed = [];
      let row = 0;
      for (const cand of c.kept) placed.push([cand, 'kept', row++]);
      for (const cand of c.finished) placed.push([cand, 'finished', row++]);
      for (const cand of c.pruned) placed.push([cand, 'pruned', row++]);
      const next = [];
      for (const [cand, kind, rw] of placed) {
        const score = kind === 'finished' ? `${cand.score.toFixed(2)} → ${cand.finished_score.toFixed(3)}` : cand.score.toFixed(2);
        const n = node(x(s + 1), y(rw), visible(cand.piece), score, kind);
        n.parent = parents[cand.parent];
        n.g.dataset.step = s;
        n.g.dataset.token = cand.token;
        if (kind === 'kept') { next[cand.beam] = n; nodes.set(`${s}/${cand.beam}`, n); }
        if (cand.finished_score !== null && cand.finished_score !== undefined) nodes.set(`f/${cand.finished_score}`, n);
        if (n.parent) {
          n.edge = svg('path', { d: curve(n.parent.x + W, n.parent.y + H / 2, n.x, n.y + H / 2), class: `edge ${kind}` });
          edges.append(n.edge);
        }
        boxes.append(n.g);
      }
      if (c.hidden > 0) boxes.append(svg('text', { x: x(s + 1) + 6, y: y(row) + H / 2 + 5, class: 'more' }, `+${c.hidden} more pruned`));
      parents = next;
    });
    const picture = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'beam search tree' }, edges, boxes);
    this.tree.replaceChildren(picture);

    // The hypotheses, best first; focusing one lights its path through the tree.
    const light = (score) => {
      this.tree.querySelectorAll('.lit').forEach((el) => el.classList.remove('lit'));
      for (let n = nodes.get(`f/${score}`); n; n = n.parent) { n.g.classList.add('lit'); n.edge?.classList.add('lit'); }
    };
    const table = h('table', { class: 'hypotheses' },
      h('caption', {}, 'finished hypotheses, best first (score = Σ log p / length^α)'),
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'text'), h('th', {}, 'score'), h('th', {}, 'tokens'), h('th', {}, 'finish'))),
      h('tbody', {}, ...r.choices.map((c, i) => {
        const tr = h('tr', { tabindex: 0, dataset: { score: c.score, text: c.text }, onmouseenter: () => light(c.score), onfocus: () => light(c.score) },
          h('td', {}, String(i + 1)), h('td', { class: 'sample' }, h('span', { class: 'prompt-text' }, this.prompt.value), c.text),
          h('td', { class: 'num' }, c.score.toFixed(4)), h('td', { class: 'num' }, String(c.token_ids.length)), h('td', {}, c.finish_reason));
        return tr;
      })));
    this.list.replaceChildren(table);
    if (r.choices.length) light(r.choices[0].score);
  }
}

function node(x, y, label, score, kind) {
  const g = svg('g', { class: `node ${kind}`, transform: `translate(${x},${y})` },
    svg('rect', { width: W, height: H, rx: 6 }),
    svg('text', { x: 8, y: 18, class: 'piece' }, label.length > 16 ? `${label.slice(0, 15)}…` : label),
    svg('text', { x: 8, y: 36, class: 'score' }, score));
  return { g, x, y };
}

function curve(x1, y1, x2, y2) {
  const mx = (x1 + x2) / 2;
  return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
}
