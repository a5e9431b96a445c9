// controls.js — the sampling panel the Complete, Next token and Chat views share: temperature, the cuts (top-k,
// top-p, min-p, typical-p), the penalties and their window, seed, max tokens, a preset, and the order of the chain.
// Its values are request fields exactly as the API names them (temperature, top_k, …, samplers), so `fields()` is
// what a request sends. Presets come from the server (GET /v1/presets: the library's own SamplingParameters).
import { h, field } from './ui.js';

/** Each numeric control: request field, label, range, step, and what its neutral value means. */
const numeric = [
  { param: 'temperature', label: 'temperature', min: 0, max: 2, step: 0.01, hint: '0 = greedy; < 1 sharpens, > 1 flattens' },
  { param: 'top_k', label: 'top-k', min: 0, max: 100, step: 1, hint: 'keep the k most likely (0 = off)' },
  { param: 'top_p', label: 'top-p', min: 0, max: 1, step: 0.01, hint: 'keep the smallest set with mass ≥ p (1 = off)' },
  { param: 'min_p', label: 'min-p', min: 0, max: 1, step: 0.01, hint: 'keep p ≥ min-p · p(best) (0 = off)' },
  { param: 'typical_p', label: 'typical-p', min: 0, max: 1, step: 0.01, hint: 'locally typical sampling (1 = off)' },
  { param: 'repeat_penalty', label: 'repeat penalty', min: 0.5, max: 2, step: 0.01, hint: 'CTRL penalty on recent tokens (1 = off)' },
  { param: 'frequency_penalty', label: 'frequency penalty', min: -2, max: 2, step: 0.05, hint: '− count · f' },
  { param: 'presence_penalty', label: 'presence penalty', min: -2, max: 2, step: 0.05, hint: '− [seen] · p' },
];

export class SamplingControls {
  constructor(root, presets) {
    this.root = root;
    this.presets = presets;            // {"default": {...fields}, "hf": …}
    this.values = structuredClone(presets.default);
    this.values.seed = 1;
    this.values.max_tokens = 32;
    this.listeners = [];
    this.render();
  }

  /** The request fields these controls set. */
  fields() {
    const v = this.values;
    const out = {};
    for (const c of numeric) out[c.param] = v[c.param];
    out.repeat_last_n = v.repeat_last_n;
    out.penalty_mode = v.penalty_mode;
    out.samplers = [...v.samplers];
    if (v.seed !== '' && v.seed !== null) out.seed = v.seed;
    out.max_tokens = v.max_tokens;
    return out;
  }

  onChange(f) { this.listeners.push(f); }
  changed(param) { for (const f of this.listeners) f(param); }

  /** Sets one field and redraws its control (as if the user moved it). */
  set(param, value) {
    this.values[param] = value;
    this.sync();
    this.changed(param);
  }

  loadPreset(name) {
    const keep = { seed: this.values.seed, max_tokens: this.values.max_tokens };
    this.values = { ...structuredClone(this.presets[name]), ...keep };
    this.sync();
    this.changed('preset');
  }

  render() {
    const presetSelect = h('select', { id: 'ctl-preset', onchange: (e) => this.loadPreset(e.target.value) },
      ...Object.keys(this.presets).map((name) => h('option', { value: name }, name)));
    const children = [field('preset', presetSelect, 'preset', 'loads the library\u2019s own values')];

    for (const c of numeric) {
      const range = h('input', { type: 'range', id: `ctl-${c.param}`, min: c.min, max: c.max, step: c.step, 'aria-describedby': `hint-${c.param}` });
      const number = h('input', { type: 'number', id: `ctl-${c.param}-n`, step: c.step, 'aria-label': `${c.label} value` });
      const update = (e) => {
        const x = Number(e.target.value);
        if (e.target.value === '' || Number.isNaN(x)) return;
        this.values[c.param] = x;
        (e.target === range ? number : range).value = x;
        this.changed(c.param);
      };
      range.addEventListener('input', update);
      number.addEventListener('input', update);
      const f = field(c.label, h('span', { class: 'slider' }, range, number), c.param);
      f.append(h('div', { class: 'hint', id: `hint-${c.param}` }, c.hint));
      children.push(f);
    }

    const lastN = h('input', { type: 'number', id: 'ctl-repeat_last_n', min: -1, step: 1 });
    lastN.addEventListener('input', () => { this.values.repeat_last_n = Number(lastN.value); this.changed('repeat_last_n'); });
    children.push(field('penalty window', lastN, 'repeat_last_n', 'last n tokens (−1 = all)'));

    const mode = h('select', { id: 'ctl-penalty_mode' }, ...['additive', 'temperature', 'temperature-unshifted'].map((m) => h('option', { value: m }, m)));
    mode.addEventListener('change', () => { this.values.penalty_mode = mode.value; this.changed('penalty_mode'); });
    children.push(field('penalty mode', mode, 'penalty_mode'));

    const seed = h('input', { type: 'number', id: 'ctl-seed', min: 0, step: 1 });
    seed.addEventListener('input', () => { this.values.seed = seed.value === '' ? '' : Number(seed.value); this.changed('seed'); });
    const dice = h('button', { type: 'button', class: 'small', title: 'a new random seed', onclick: () => this.set('seed', Math.floor(Math.random() * 2 ** 31)) }, 'new');
    children.push(field('seed', h('span', { class: 'inline' }, seed, dice), 'seed', 'the same seed gives the same text'));

    const maxTokens = h('input', { type: 'number', id: 'ctl-max_tokens', min: 1, step: 1 });
    maxTokens.addEventListener('input', () => { this.values.max_tokens = Number(maxTokens.value); this.changed('max_tokens'); });
    children.push(field('max tokens', maxTokens, 'max_tokens'));

    this.chain = h('ol', { class: 'chain', id: 'ctl-samplers', 'aria-label': 'sampler chain order' });
    children.push(h('div', { class: 'field', dataset: { param: 'samplers' } },
      h('span', { class: 'label' }, 'chain order'), this.chain,
      h('div', { class: 'hint' }, 'each step acts on what the one before left'),
      h('div', { class: 'field-error', hidden: true })));

    this.root.replaceChildren(...children);
    this.sync();
  }

  /** Puts `values` into the controls. */
  sync() {
    const v = this.values;
    for (const c of numeric) {
      this.root.querySelector(`#ctl-${c.param}`).value = v[c.param];
      this.root.querySelector(`#ctl-${c.param}-n`).value = v[c.param];
    }
    this.root.querySelector('#ctl-repeat_last_n').value = v.repeat_last_n;
    this.root.querySelector('#ctl-penalty_mode').value = v.penalty_mode;
    this.root.querySelector('#ctl-seed').value = v.seed;
    this.root.querySelector('#ctl-max_tokens').value = v.max_tokens;
    this.chain.replaceChildren(...v.samplers.map((step, i) => {
      const move = (d) => () => {
        const s = this.values.samplers;
        [s[i], s[i + d]] = [s[i + d], s[i]];
        this.sync();
        this.changed('samplers');
        this.chain.querySelectorAll('li')[i + d].querySelector(d < 0 ? '.up' : '.down')?.focus();
      };
      return h('li', { dataset: { step } }, h('span', {}, step),
        h('button', { type: 'button', class: 'small up', 'aria-label': `move ${step} earlier`, disabled: i === 0, onclick: move(-1) }, '↑'),
        h('button', { type: 'button', class: 'small down', 'aria-label': `move ${step} later`, disabled: i === v.samplers.length - 1, onclick: move(1) }, '↓'));
    }));
  }
}
