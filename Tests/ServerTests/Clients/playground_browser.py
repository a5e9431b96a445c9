#!/usr/bin/env python3
"""The playground in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium
against a live `lmlab serve` (PlaygroundBrowserTests starts the server with the tiny GPT and SmolLM2 and runs this
script; it can also be run by hand):

    .venv-tests/bin/python Tests/ServerTests/Clients/playground_browser.py --base-url http://127.0.0.1:8080 \
        --lmlab .build/release/lmlab --smol checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --tiny checkpoints/lessons-tiny.h5

Each check compares what the page shows with an independent reference: the CLI (`lmlab generate`, `inspect --json`,
`compare --json`, `generate --beams --json`) or the API itself (the page's numbers against /v1/completions'
logprobs), Python's json for JSON mode. The page keeps the exact numbers the server sent in data attributes, which
is what is read here. Prints one line per check and ends with "N passed, N failed"; exits non-zero on a failure.

With --screenshots DIR it instead writes a PNG of each view at 1280 px and at a phone's width into DIR
(`make screenshots`)."""
import argparse, json, math, os, subprocess, sys, time, traceback, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

p = argparse.ArgumentParser()
p.add_argument("--base-url", required=True)
p.add_argument("--lmlab", required=True)
p.add_argument("--smol", required=True)
p.add_argument("--tiny", required=True)
p.add_argument("--screenshots", help="write PNGs of each view into this folder instead of testing")
p.add_argument("--chromium", default="/usr/bin/chromium")
p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
args = p.parse_args()

SMOL = os.path.splitext(os.path.basename(args.smol))[0]
TINY = os.path.splitext(os.path.basename(args.tiny))[0]


def browser(width=1280, height=900):
    options = Options()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
                 "--force-device-scale-factor=1", "--hide-scrollbars"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(args.chromedriver), options=options)


driver = browser()
wait = WebDriverWait(driver, 120, poll_frequency=0.05)


def lmlab(*argv, parse=True):
    out = subprocess.run([args.lmlab, *argv], check=True, capture_output=True, text=True).stdout
    return json.loads(out) if parse else out


def api(path, body):
    request = urllib.request.Request(args.base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=300))


def open_view(view, model):
    """Loads the page on `view` with `model` picked (the page remembers the model in localStorage)."""
    driver.get(f"{args.base_url}/#{view}")
    wait.until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    if driver.find_element(By.ID, "model").get_attribute("value") != model:
        driver.execute_script("const s = document.querySelector('#model'); s.value = arguments[0]; s.dispatchEvent(new Event('change'))", model)


def css(selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def type_into(element, text):
    """Replaces a field's value as a user would: select all, type."""
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(text)


def set_control(param, value):
    """Types a value into a sampling control's number box (keyboard, firing the page's input events); on a phone
    the settings are folded: unfold them first, as a user would."""
    summary = css("#sampling summary")
    if not css("#sampling details").get_attribute("open"):
        summary.click()
    type_into(css(f"#ctl-{param}-n" if param not in ("seed", "max_tokens", "repeat_last_n") else f"#ctl-{param}"), str(value))


def done(selector):
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, selector).get_attribute("data-done") == "true")


def close(a, b, tol):
    return abs(a - b) <= tol


results = []
timings = {}


def check(fn):
    if args.screenshots:
        return fn
    try:
        fn()
        results.append((fn.__name__, None))
        print(f"ok    {fn.__name__}", flush=True)
    except Exception:
        results.append((fn.__name__, traceback.format_exc()))
        print(f"FAIL  {fn.__name__}\n{traceback.format_exc()}", flush=True)
    return fn


def run_complete(model, prompt, max_tokens, temperature):
    open_view("complete", model)
    set_control("temperature", temperature)
    set_control("max_tokens", max_tokens)
    type_into(css("#complete-prompt"), prompt)
    css("#complete-run").click()
    wait.until(lambda d: d.find_element(By.ID, "complete-stop").get_attribute("disabled") is not None
               and d.find_element(By.ID, "complete-output").get_attribute("data-done") == "true")


def shown_tokens():
    return [t.get_attribute("textContent") for t in all_css("#complete-output .tok")]


@check
def greedy_stream_equals_lmlab_generate():
    # The tiny GPT and SmolLM2: the streamed tokens the page shows, joined, are `lmlab generate --temperature 0`'s text.
    for path, model, prompt in [(args.tiny, TINY, " The game was released in"), (args.smol, SMOL, "The capital of France is")]:
        run_complete(model, prompt, 24, 0)
        want = lmlab("generate", "--model", path, "--prompt", prompt, "-n", "24", "--temperature", "0", "--json")["choices"][0]["text"]
        got = "".join(shown_tokens())
        assert got == want, (model, got, want)
        assert css("#complete-output").get_attribute("data-text") == want, "the streamed text"
        assert "finish: length" in css("#complete-status").text or "finish: stop" in css("#complete-status").text, css("#complete-status").text


@check
def clicked_token_shows_the_apis_logprobs():
    prompt = "The capital of France is"
    run_complete(SMOL, prompt, 12, 0)
    step = 3
    css(f'#complete-output .tok[data-i="{step}"]').click()
    rows = all_css("#complete-details .bar-row:not(.tail)")
    assert len(rows) == 10, len(rows)
    ref = api("/v1/completions", {"model": SMOL, "prompt": prompt, "max_tokens": 12, "temperature": 0, "logprobs": 5})
    lp = ref["choices"][0]["logprobs"]
    token = css(f'#complete-output .tok[data-i="{step}"]')
    assert float(token.get_attribute("data-logprob")) == lp["token_logprobs"][step], (token.get_attribute("data-logprob"), lp["token_logprobs"][step])
    want = lp["top_logprobs"][step]
    shown = {r.find_element(By.CSS_SELECTOR, ".bar-label").get_attribute("textContent"): float(r.get_attribute("data-logprob")) for r in rows[:5]}
    pieces = {k.replace("\n", "⏎").replace("\t", "⇥") for k in want}
    for text, logprob in want.items():
        label = text.replace("\n", "⏎").replace("\t", "⇥")
        label = ("␣" + label[1:]) if label.startswith(" ") else label
        label = (label[:-1] + "␣") if label.endswith(" ") and len(label) > 1 else label
        assert label in shown, (label, shown, pieces)
        assert shown[label] == logprob, (label, shown[label], logprob)
    # The numbers on screen are the same values, rounded.
    assert rows[0].find_element(By.CSS_SELECTOR, ".bar-value").text == f"{float(rows[0].get_attribute('data-logprob')):.3f}"


@check
def clicking_an_alternative_forks_the_generation():
    prompt = "The capital of France is"
    run_complete(SMOL, prompt, 10, 0)
    before = shown_tokens()
    step = 2
    css(f'#complete-output .tok[data-i="{step}"]').click()
    alt = all_css("#complete-details .bar-row:not(.tail)")[1]
    alt_id = int(alt.get_attribute("data-id"))
    alt.find_element(By.CSS_SELECTOR, "button").click()
    wait.until(lambda d: d.find_element(By.ID, "complete-output").get_attribute("data-done") == "true"
               and len(d.find_elements(By.CSS_SELECTOR, "#complete-output .tok")) > step + 1)
    after = all_css("#complete-output .tok")
    assert [t.get_attribute("textContent") for t in after[:step]] == before[:step]
    assert int(after[step].get_attribute("data-id")) == alt_id and "forked" in after[step].get_attribute("class")
    # The continuation is the API's greedy completion of the prompt's ids + the kept tokens + the alternative.
    ids = api("/tokenize", {"model": SMOL, "content": prompt, "add_special": True})["tokens"]
    ids += [int(t.get_attribute("data-id")) for t in after[:step + 1]]
    ref = api("/v1/completions", {"model": SMOL, "prompt": ids, "max_tokens": 10, "temperature": 0})
    assert [int(t.get_attribute("data-id")) for t in after[step + 1:]] == ref["choices"][0]["token_ids"], "the forked continuation"


@check
def scoring_the_prompt_shows_each_tokens_logprob():
    open_view("complete", TINY)
    text = " The game was released in Japan"
    type_into(css("#complete-prompt"), text)
    css("#complete-score").click()
    done("#complete-output")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#complete-output .tok.from-prompt")) > 0)
    spans = all_css("#complete-output .tok.from-prompt")
    ref = api("/v1/completions", {"model": TINY, "prompt": text, "max_tokens": 1, "temperature": 0, "logprobs": 1, "echo": True})
    want = ref["choices"][0]["logprobs"]["token_logprobs"][:len(spans)]
    got = [None if s.get_attribute("data-logprob") == "" else float(s.get_attribute("data-logprob")) for s in spans]
    # Both are prompt passes, whose sums may be split over threads differently from run to run: the last bits.
    assert got[0] is None and want[0] is None and len(got) == len(want), (got, want)
    assert all(close(a, b, 1e-9) for a, b in zip(got[1:], want[1:])), (got, want)
    css("#shade-rank").find_element(By.XPATH, "..").click()
    assert spans[1].value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"


@check
def a_bad_value_shows_its_error_next_to_the_control():
    open_view("complete", TINY)
    set_control("temperature", 1)
    set_control("top_p", 0)
    css("#complete-run").click()
    error = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '#sampling [data-param="top_p"] .field-error'))
    wait.until(lambda d: error.text != "")
    assert "top_p" in error.text, error.text
    set_control("top_p", 1)


@check
def sliders_redraw_the_bars_as_lmlab_inspect_says():
    prompt = "The quick brown fox"
    open_view("next-token", TINY)
    type_into(css("#next-prompt"), prompt)
    set_control("temperature", 0.8)
    set_control("top_k", 10)

    def stage_count(step):
        """The stage's count once the page has drawn the answer to the latest settings (read in one script: the
        panels are redrawn while the sliders move)."""
        return driver.execute_script(
            "const s = document.querySelector('#next-stages');"
            "const p = s.querySelector(`.stage[data-step='${arguments[0]}']`);"
            "return s.dataset.done === 'true' && p ? p.dataset.count : null", step)

    # Keyboard on the slider itself: one step right from 10 is 11, one left is 10 again.
    slider = css("#ctl-top_k")
    slider.send_keys(Keys.ARROW_RIGHT)
    wait.until(lambda d: stage_count("top-k") == "11")
    slider.send_keys(Keys.ARROW_LEFT)
    wait.until(lambda d: stage_count("top-k") == "10")
    ref = lmlab("inspect", "--model", args.tiny, "--prompt", prompt, "--temperature", "1,0.8", "--top", "20", "--json")
    rows = ref["rows"]
    shown = driver.execute_script(
        "const out = {};"
        "for (const p of document.querySelectorAll('#next-stages .stage')) {"
        "  out[p.dataset.step] = {count: p.dataset.count, entropy: p.dataset.entropy, removed: p.querySelectorAll('.bar-row.removed').length,"
        "    bars: [...p.querySelectorAll('.bar-row:not(.tail):not(.removed)')].map((r) => [Number(r.dataset.id), Number(r.dataset.p)])};"
        "}"
        "return out")

    def bars(step):
        return [(int(i), float(p)) for i, p in shown[step]["bars"]]

    model = bars("model")
    assert [i for i, _ in model] == [r["id"] for r in rows], "the model's top 20"
    assert all(close(p, r["probabilities"][0], 1e-6) for (_, p), r in zip(model, rows)), (model, rows)
    tempered = bars("temperature")
    assert len(tempered) == 20 and all(close(p, r["probabilities"][1], 1e-6) for (_, p), r in zip(tempered, rows)), tempered
    top_k = bars("top-k")
    mass = sum(r["probabilities"][1] for r in rows[:10])
    assert shown["top-k"]["count"] == "10"
    assert [i for i, _ in top_k] == [r["id"] for r in rows[:10]]
    assert all(close(p, r["probabilities"][1] / mass, 1e-6) for (_, p), r in zip(top_k, rows)), (top_k, rows[:10])
    assert shown["top-k"]["removed"] == 10, "the 10 it cut from the temperature stage's 20"
    assert close(float(shown["model"]["entropy"]), ref["entropy"][0], 1e-6)
    timings["next_token_redraw_ms tiny"] = float(css("#next-summary").get_attribute("data-ms"))
    # The same on SmolLM2 (a 49,152-token vocabulary): slider moves after the first answer, change → bars drawn.
    driver.execute_script("const s = document.querySelector('#model'); s.value = arguments[0]; s.dispatchEvent(new Event('change'))", SMOL)
    wait.until(lambda d: stage_count("top-k") == "10")
    moves = []
    for k in [11, 12, 13, 14, 15]:
        slider.send_keys(Keys.ARROW_RIGHT)
        wait.until(lambda d: stage_count("top-k") == str(k))
        moves.append(float(css("#next-summary").get_attribute("data-ms")))
    timings["next_token_redraw_ms SmolLM2 (median of 5 moves)"] = sorted(moves)[2]
    set_control("top_k", 0)


@check
def compare_matches_lmlab_compare():
    prompt = " The game"
    open_view("compare", TINY)
    type_into(css("#compare-prompt"), prompt)
    type_into(css("#compare-max-tokens"), "16")
    type_into(css("#compare-seed"), "1")
    css("#compare-run").click()
    wait.until(lambda d: d.find_element(By.ID, "compare-result").get_attribute("data-done") == "true")
    ref = lmlab("compare", "--model", args.tiny, "--prompt", prompt, "-n", "16", "--seed", "1", "--json")["rows"]
    trs = all_css("#compare-result tbody tr")
    assert [t.get_attribute("data-strategy") for t in trs] == [r["strategy"] for r in ref]
    for tr, card, r in zip(trs, all_css("#compare-result .card"), ref):
        assert card.find_element(By.CSS_SELECTOR, ".continuation").get_attribute("textContent") == r["text"], (r["strategy"], r["text"])
        # (the re-scoring pass may split its sums over threads differently from run to run: the last bits)
        assert close(float(tr.get_attribute("data-mean-logprob")), r["mean_logprob"], 1e-9), (tr.get_attribute("data-mean-logprob"), r)
        assert float(tr.get_attribute("data-distinct2")) == r["distinct2"]
        assert int(tr.get_attribute("data-repeated3grams")) == r["repeated3grams"]
        assert int(tr.get_attribute("data-tokens")) == r["tokens"]


@check
def beams_match_lmlab_generate_with_beams():
    prompt = " The game was released in"
    open_view("beams", TINY)
    type_into(css("#beams-prompt"), prompt)
    type_into(css("#beams-num"), "3")
    type_into(css("#beams-max-tokens"), "8")
    css("#beams-run").click()
    done("#beams-hypotheses")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#beams-hypotheses tbody tr")) > 0)
    ref = lmlab("generate", "--model", args.tiny, "--prompt", prompt, "--beams", "3", "--num-return-sequences", "3", "-n", "8", "--json")
    rows = all_css("#beams-hypotheses tbody tr")
    assert [r.get_attribute("data-text") for r in rows] == [c["text"] for c in ref["choices"]]
    assert [float(r.get_attribute("data-score")) for r in rows] == [c["score"] for c in ref["choices"]]
    # The tree: one column per step, each with the kept beams; the best hypothesis's path is lit.
    assert len(all_css("#beams-tree .node.kept")) >= 3 and len(all_css("#beams-tree .node.finished")) >= 3
    assert len(all_css("#beams-tree .node.lit")) >= 2


@check
def chat_in_json_mode_replies_with_json():
    open_view("chat", SMOL)
    css("#chat-format").send_keys("JSON object")
    set_control("temperature", 0)
    set_control("max_tokens", 96)
    type_into(css("#chat-input"), "Give the name and the country of the capital of France as JSON.")
    css("#chat-input").send_keys(Keys.ENTER)
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#chat-log .message.assistant").get_attribute("data-done") == "true")
    reply = css("#chat-log .message.assistant").get_attribute("data-text")
    parsed = json.loads(reply)
    assert isinstance(parsed, (dict, list)), reply
    assert css("#chat-log .badge.ok").text == "parses as JSON"
    assert len(all_css("#chat-log .first-token .bar-row:not(.tail)")) == 10, "the first token's alternatives"
    css("#chat-show-prompt").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chat-prompt mark.special")) >= 4)
    assert "<|im_start|>assistant" in css("#chat-prompt").get_attribute("textContent")


@check
def training_view_shows_the_checkpoints_curves():
    open_view("training", TINY)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#training-runs .run")) > 0)
    run = css(f'#training-runs .run[data-name="{TINY}"]')
    with open(args.tiny + ".metrics.jsonl") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    assert int(run.get_attribute("data-steps")) == len(lines)
    assert len(run.find_elements(By.CSS_SELECTOR, "svg.chart path.series")) == 2, "train loss and learning rate lines"
    assert len(run.find_elements(By.CSS_SELECTOR, "svg.chart g.series circle")) == sum(1 for l in lines if "val_loss" in l)


@check
def tabs_follow_the_keyboard():
    open_view("complete", TINY)
    css("#tab-complete").send_keys(Keys.ARROW_RIGHT)
    wait.until(lambda d: d.execute_script("return location.hash") == "#next-token")
    assert driver.switch_to.active_element.get_attribute("id") == "tab-next-token"


@check
def no_javascript_errors():
    # The bad-value check's 400 answer is the one failed request the browser may log.
    expected = "/v1/completions - Failed to load resource: the server responded with a status of 400"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and expected not in e["message"]]
    assert not errors, errors


def screenshots(folder):
    """Each view at 1280 × 900 and at 390 × 844 (a phone), after a representative run."""
    os.makedirs(folder, exist_ok=True)
    shots = []

    def fill(view):
        if view == "complete":
            run_complete(SMOL, "The best thing about Paris is", 28, 0.8)
            css('#complete-output .tok[data-i="5"]').click()
        elif view == "next-token":
            open_view("next-token", SMOL)
            type_into(css("#next-prompt"), "Once upon a time, in a small village,")
            set_control("temperature", 0.8)
            set_control("top_k", 12)
            set_control("top_p", 0.9)
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '.stage[data-step="top-p"]') is not None)
            time.sleep(0.5)
        elif view == "compare":
            open_view("compare", SMOL)
            type_into(css("#compare-prompt"), "The best thing about Paris is")
            type_into(css("#compare-max-tokens"), "24")
            css("#compare-run").click()
            wait.until(lambda d: d.find_element(By.ID, "compare-result").get_attribute("data-done") == "true")
        elif view == "beams":
            open_view("beams", SMOL)
            type_into(css("#beams-prompt"), "The best thing about Paris is")
            type_into(css("#beams-num"), "3")
            type_into(css("#beams-max-tokens"), "6")
            css("#beams-run").click()
            done("#beams-hypotheses")
        elif view == "chat":
            open_view("chat", SMOL)
            set_control("temperature", 0)
            set_control("max_tokens", 80)
            type_into(css("#chat-input"), "What is the capital of France? One sentence.")
            css("#chat-input").send_keys(Keys.ENTER)
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#chat-log .message.assistant").get_attribute("data-done") == "true")
            css("#chat-log details.first-token summary").click()
            css("#chat-show-prompt").click()
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chat-prompt mark.special")) > 0)
        elif view == "training":
            open_view("training", TINY)
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#training-runs .run")) > 0)

    for width, height, suffix in [(1280, 900, ""), (390, 844, "-phone")]:
        driver.set_window_size(width, height)
        for view in ["complete", "next-token", "compare", "beams", "chat", "training"]:
            fill(view)
            # As a reader finds it: nothing focused, settings scrolled to the top (folded on a phone).
            driver.execute_script("document.activeElement && document.activeElement.blur(); "
                                  "document.querySelector('#sampling details').open = innerWidth > 900; "
                                  "document.querySelector('#sampling').scrollTop = 0; window.scrollTo(0, 0)")
            time.sleep(0.3)
            # The whole page, not only the window: grow the window to the document's height for the shot.
            full = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
            driver.set_window_size(width, min(max(height, full + 120), 2400))
            time.sleep(0.2)
            path = os.path.join(folder, f"playground-{view}{suffix}.png")
            css("body").screenshot(path)
            shots.append(path)
            driver.set_window_size(width, height)
    for path in shots:
        print(path)


try:
    if args.screenshots:
        screenshots(args.screenshots)
        sys.exit(0)
finally:
    if args.screenshots:
        driver.quit()

driver.quit()
for name, value in timings.items():
    print(f"timing {name} {value:.1f}")
failed = [n for n, e in results if e]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
