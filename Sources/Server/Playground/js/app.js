// app.js — the page itself: the model picker (every model the server serves, GET /v1/models), the sampling panel,
// and the six views as tabs (keyboard: arrow keys move between tabs; the address's #hash names the view, so a
// link or a test opens one directly). Each view is its own module; this file only wires them.
import * as api from './api.js';
import { SamplingControls } from './controls.js';
import { CompleteView } from './complete.js';
import { NextTokenView } from './next-token.js';
import { CompareView } from './compare.js';
import { BeamsView } from './beams.js';
import { ChatView } from './chat.js';
import { TrainingView } from './training.js';
import { h } from './ui.js';

/** name → [tab label, view class, whether the sampling panel applies to it] */
const views = {
  complete: ['Complete', CompleteView, true],
  'next-token': ['Next token', NextTokenView, true],
  compare: ['Compare', CompareView, false],
  beams: ['Beams', BeamsView, false],
  chat: ['Chat', ChatView, true],
  training: ['Training', TrainingView, false],
};

class App {
  async start() {
    api.auth.onUnauthorized = () => this.askForKey();
    let models, presets;
    try {
      [models, presets] = await Promise.all([api.get('/v1/models'), api.get('/v1/presets')]);
    } catch (error) {
      document.querySelector('#fatal').textContent = `The server did not answer: ${error.message}`;
      document.querySelector('#fatal').hidden = false;
      return;
    }
    this.models = models.data;
    const saved = localStorage.getItem('lmlab.model');
    this.model = this.models.some((m) => m.id === saved) ? saved : this.models[0].id;
    const picker = document.querySelector('#model');
    picker.replaceChildren(...this.models.map((m) => h('option', { value: m.id, selected: m.id === this.model }, m.id)));
    picker.addEventListener('change', () => {
      this.model = picker.value;
      localStorage.setItem('lmlab.model', this.model);
      this.describeModel();
      this.current?.activate?.();
    });
    this.describeModel();

    this.sampling = new SamplingControls(document.querySelector('#sampling-body'), presets);
    // On a phone the settings sit above the view: folded until asked for.
    if (matchMedia('(max-width: 900px)').matches) document.querySelector('#sampling details').open = false;
    this.views = {};
    const tabs = document.querySelector('#tabs');
    for (const [name, [label, View]] of Object.entries(views)) {
      const tab = h('button', { role: 'tab', id: `tab-${name}`, 'aria-controls': `view-${name}`, tabindex: -1, onclick: () => { location.hash = name; } }, label);
      tabs.append(tab);
      this.views[name] = new View(document.querySelector(`#view-${name}`), this);
    }
    tabs.addEventListener('keydown', (e) => this.tabKeys(e));
    window.addEventListener('hashchange', () => this.show(location.hash.slice(1)));
    this.show(location.hash.slice(1));
    document.body.dataset.ready = 'true';
  }

  modelInfo() { return this.models.find((m) => m.id === this.model); }

  describeModel() {
    const m = this.modelInfo();
    document.querySelector('#model-facts').textContent = m
      ? `context ${m.context_length.toLocaleString()} · vocabulary ${m.vocab_size.toLocaleString()}${m.chat_template ? '' : ' · no chat template'}`
      : '';
  }

  show(name) {
    if (!views[name]) name = 'complete';
    for (const key of Object.keys(views)) {
      const on = key === name;
      document.querySelector(`#view-${key}`).hidden = !on;
      const tab = document.querySelector(`#tab-${key}`);
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    this.current?.deactivate?.();
    this.current = this.views[name];
    document.body.dataset.view = name;
    document.querySelector('#sampling').hidden = !views[name][2];
    this.current.activate?.();
  }

  tabKeys(e) {
    const names = Object.keys(views);
    const i = names.indexOf(document.body.dataset.view);
    const go = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: names.length - 1 }[e.key];
    if (go === undefined) return;
    e.preventDefault();
    const name = names[(go + names.length) % names.length];
    location.hash = name;
    document.querySelector(`#tab-${name}`).focus();
  }

  askForKey() {
    const dialog = document.querySelector('#key-dialog');
    if (dialog.open) return;
    dialog.showModal();
    dialog.querySelector('form').onsubmit = () => {
      api.auth.key = dialog.querySelector('#api-key').value.trim();
      location.reload();
    };
  }
}

new App().start();
