// bars.js — a distribution over tokens as horizontal bars: one row per token (its text, a bar as long as its
// probability, the number), and optionally a last row for the mass of every token not listed (the tail). Each row
// keeps its exact values in data attributes (data-id, data-p), so a test or a script reading the page gets the
// numbers the server sent, not the rounded ones on screen.
import { h, prob, visible } from './ui.js';

/**
 * rows: [{id, piece, p, logprob?, note?, removed?, onclick?}] best first; options: {tail: mass of the rest, label}.
 * A removed row (a token the stage cut) is drawn struck through and greyed, with no bar.
 */
export function bars(rows, { tail = null, label = 'distribution', scale = null } = {}) {
  const top = scale ?? Math.max(1e-12, ...rows.filter((r) => !r.removed).map((r) => r.p));
  const list = h('ol', { class: 'bars', 'aria-label': label });
  for (const r of rows) {
    const width = r.removed ? 0 : Math.max(0.5, (100 * r.p) / top);
    const content = [
      h('span', { class: 'bar-label', title: `id ${r.id}` }, visible(r.piece)),
      h('span', { class: 'bar-track' }, h('span', { class: 'bar-fill', style: { width: `${width}%` } })),
      h('span', { class: 'bar-value' }, r.removed ? 'cut' : r.note ?? prob(r.p)),
    ];
    const dataset = { id: r.id, p: r.p };
    if (r.logprob !== undefined) dataset.logprob = r.logprob;
    const attrs = { class: `bar-row${r.removed ? ' removed' : ''}`, dataset };
    if (r.onclick) {
      list.append(h('li', attrs, h('button', { class: 'bar-button', onclick: r.onclick, title: r.title }, ...content)));
    } else {
      list.append(h('li', attrs, ...content));
    }
  }
  if (tail !== null && tail > 1e-9) {   // below that it is rounding, not mass
    list.append(h('li', { class: 'bar-row tail', dataset: { p: tail } },
      h('span', { class: 'bar-label' }, 'rest'),
      h('span', { class: 'bar-track' }, h('span', { class: 'bar-fill', style: { width: `${Math.min(100, (100 * tail) / top)}%` } })),
      h('span', { class: 'bar-value' }, prob(tail))));
  }
  return list;
}
