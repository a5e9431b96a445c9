// training.js — the Training view: the checkpoints the server was given (its .h5 models and `--watch` files) with
// their training curves from the <checkpoint>.metrics.jsonl that `lmlab train` writes (GET /v1/training): training
// loss per step as a line, validation loss as dots, and the learning-rate schedule. While "live" is on, the view
// asks again every few seconds, so a class can watch a run that is going.
import * as api from './api.js';
import { lineChart } from './chart.js';
import { h, showError, clearErrors } from './ui.js';

const pollSeconds = 5;

export class TrainingView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.render();
  }

  render() {
    this.live = h('input', { type: 'checkbox', id: 'training-live', checked: true });
    this.live.addEventListener('change', () => this.schedule());
    this.runs = h('div', { id: 'training-runs', class: 'runs' });
    this.root.replaceChildren(
      h('div', { class: 'toolbar' },
        h('label', { class: 'check', for: 'training-live' }, this.live, `live (every ${pollSeconds} s)`),
        h('button', { id: 'training-refresh', onclick: () => this.load() }, 'Refresh')),
      h('div', { class: 'view-error', hidden: true }),
      this.runs);
  }

  activate() { this.active = true; this.load(); }
  deactivate() { this.active = false; clearTimeout(this.timer); }

  schedule() {
    clearTimeout(this.timer);
    if (this.active && this.live.checked) this.timer = setTimeout(() => this.load(), pollSeconds * 1000);
  }

  async load() {
    try {
      const r = await api.get('/v1/training');
      clearErrors(this.root);
      // Redrawn only when a curve grew (polling a finished run changes nothing on screen).
      const signature = JSON.stringify(r.data.map((run) => [run.name, run.steps, run.points.length]));
      if (signature !== this.signature) { this.signature = signature; this.draw(r.data); }
    } catch (error) {
      showError(this.root, error);
    } finally {
      this.runs.dataset.done = 'true';
      this.schedule();
    }
  }

  draw(runs) {
    if (runs.length === 0) {
      this.runs.replaceChildren(h('p', { class: 'hint' },
        'No checkpoints to show: serve an lmlab .h5 model, or add --watch FILE for a run that `lmlab train --out FILE` is writing.'));
      return;
    }
    this.runs.replaceChildren(...runs.map((run) => {
      const train = run.points.filter((p) => p.train_loss !== null && p.train_loss !== undefined).map((p) => [p.step, p.train_loss]);
      const val = run.points.filter((p) => p.val_loss !== null && p.val_loss !== undefined).map((p) => [p.step, p.val_loss]);
      const lr = run.points.filter((p) => p.lr !== null && p.lr !== undefined).map((p) => [p.step, p.lr]);
      const last = run.points[run.points.length - 1];
      const lastVal = val[val.length - 1];
      const facts = run.found
        ? [`${run.steps.toLocaleString()} steps`,
          last && last.tokens_seen ? `${last.tokens_seen.toLocaleString()} tokens seen` : null,
          last && last.train_loss !== undefined ? `train loss ${last.train_loss.toFixed(3)}` : null,
          lastVal ? `validation loss ${lastVal[1].toFixed(3)} (perplexity ${Math.exp(lastVal[1]).toFixed(1)}) at step ${lastVal[0]}` : null,
          last && last.time ? `${(last.time / 60).toFixed(1)} min` : null].filter(Boolean).join(' · ')
        : `no ${run.checkpoint}.metrics.jsonl yet — it appears when \`lmlab train --out ${run.checkpoint}\` starts`;
      return h('article', { class: 'run', dataset: { name: run.name, steps: run.steps } },
        h('h3', {}, run.name), h('p', { class: 'facts' }, facts),
        h('div', { class: 'charts' },
          lineChart([{ name: 'train', points: train, colour: '#1f6fb4' }, { name: 'validation', points: val, colour: '#d62728', dots: true }],
            { title: `${run.name}: loss`, xLabel: 'step', yLabel: 'loss (nats / token)' }),
          lineChart([{ name: 'learning rate', points: lr, colour: '#2c8c3c' }],
            { title: `${run.name}: learning rate`, xLabel: 'step', yLabel: 'learning rate', width: 430, height: 300, yFormat: (y) => y.toExponential(1) })));
    }));
  }
}
