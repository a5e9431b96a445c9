// ui.js — small helpers every view uses: building elements, showing a server error next to the control that
// caused it, number formats, the colour scales for probabilities and GLTR's rank bands, and a token's text made
// visible (a leading space or a newline matters in a token).

/** h('div', {class: 'x', onclick: f}, child, 'text', …) → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The same, in the SVG namespace. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Shows `error` inside `scope`: next to the control whose `data-param` names the field the server named
 * (e.g. "temperature", "prompt", "messages"), else in the scope's general error line. Clears older errors first.
 */
export function showError(scope, error, fallbackParam) {
  clearErrors(scope);
  const message = error && error.message ? error.message : String(error);
  const param = (error && error.param) || fallbackParam;
  const field = param ? findField(scope, param) : null;
  const slot = field ? field.querySelector('.field-error') || field.appendChild(h('div', { class: 'field-error' })) : scope.querySelector('.view-error');
  if (!slot) return;
  slot.textContent = message;
  slot.hidden = false;
  slot.setAttribute('role', 'alert');
  if (field) field.classList.add('has-error');
}

/** The element (in `scope` or the shared sampling panel) for a request field; "messages[0].content" → "messages". */
function findField(scope, param) {
  const base = param.replace(/[[.].*$/, '');
  const selector = `[data-param="${CSS.escape(param)}"], [data-param="${CSS.escape(base)}"]`;
  return scope.querySelector(selector) || document.querySelector(`#sampling ${selector}`);
}

export function clearErrors(scope) {
  for (const el of [...scope.querySelectorAll('.field-error, .view-error'), ...document.querySelectorAll('#sampling .field-error')]) {
    el.textContent = '';
    el.hidden = true;
  }
  for (const el of [...scope.querySelectorAll('.has-error'), ...document.querySelectorAll('#sampling .has-error')]) el.classList.remove('has-error');
}

/** 0.1234 → "0.123"; tiny values in exponent form. */
export function prob(p) {
  if (p === 0) return '0';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

export function logp(x) { return x === null || x === undefined ? '—' : x.toFixed(3); }

/** A token's text with its invisible parts shown: leading/trailing space as ␣, newline as ⏎, tab as ⇥. */
export function visible(text) {
  return text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/^ /, '␣').replace(/ $/, '␣') || '∅';
}

/** Background for a token of probability p: red (unlikely) → yellow → green (likely). */
export function probabilityColour(p) {
  const hue = Math.round(120 * Math.max(0, Math.min(1, p)));
  return `hsl(${hue} 75% 82%)`;
}

/** GLTR's four bands (Gehrmann et al. 2019): rank ≤ 10, ≤ 100, ≤ 1000, beyond. */
export const gltrBands = [
  { upTo: 10, name: 'top 10', colour: '#b6e8b0' },
  { upTo: 100, name: 'top 100', colour: '#f5e38a' },
  { upTo: 1000, name: 'top 1000', colour: '#f6b0a0' },
  { upTo: Infinity, name: 'beyond', colour: '#d7b8f3' },
];

export function rankColour(rank) {
  return (gltrBands.find((b) => rank <= b.upTo) || gltrBands[3]).colour;
}

/** A labelled form field: <label>text<control></label> with an error slot, tagged with the request field it sets. */
export function field(label, control, param, hint) {
  return h('div', { class: 'field', dataset: param ? { param } : {} },
    h('label', {}, h('span', { class: 'label' }, label), control),
    hint ? h('div', { class: 'hint' }, hint) : null,
    h('div', { class: 'field-error', hidden: true }));
}

/** Runs `f` at most once per animation frame with the latest arguments. */
export function coalesce(f) {
  let pending = null;
  return (...args) => {
    const first = pending === null;
    pending = args;
    if (first) requestAnimationFrame(() => { const a = pending; pending = null; f(...a); });
  };
}
