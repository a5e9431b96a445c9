#!/usr/bin/env python3
"""The course's notebook exercises, run with the official `openai` package against a live `lmlab serve`
(LiveServerTests starts the server and runs this script; it can also be run by hand):

    .venv-tests/bin/python Tests/ServerTests/Clients/openai_exercises.py --base-url http://127.0.0.1:8080/v1 \
        --lmlab .build/release/lmlab --smol checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --tiny checkpoints/lessons-tiny.h5

Each exercise checks what the server returns against an independent reference: `lmlab generate --json` for the
same request, Python's json and jsonschema for JSON mode, the non-streamed text for a stream. Prints one line per
exercise and ends with "N passed, N failed"; exits non-zero on a failure."""
import argparse, json, os, subprocess, sys, traceback

import jsonschema
import openai
from openai import OpenAI

p = argparse.ArgumentParser()
p.add_argument("--base-url", required=True)
p.add_argument("--lmlab", required=True)
p.add_argument("--smol", required=True, help="SmolLM2 GGUF path (its served name is the file name without extension)")
p.add_argument("--tiny", help="the lessons' tiny GPT (.h5), for the context-length exercise")
p.add_argument("--api-key", default="none")
args = p.parse_args()

client = OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=300)
SMOL = os.path.splitext(os.path.basename(args.smol))[0]
TINY = os.path.splitext(os.path.basename(args.tiny))[0] if args.tiny else None


def lmlab(*argv):
    """`lmlab …` → its stdout parsed as JSON."""
    out = subprocess.run([args.lmlab, *argv], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def close(a, b, tol=1e-4):
    return abs(a - b) <= tol


results = []


def exercise(fn):
    try:
        fn()
        results.append((fn.__name__, None))
        print(f"ok    {fn.__name__}", flush=True)
    except Exception:
        results.append((fn.__name__, traceback.format_exc()))
        print(f"FAIL  {fn.__name__}\n{traceback.format_exc()}", flush=True)
    return fn


@exercise
def completion_with_logprobs_matches_lmlab_generate():
    # llama-cpp-python's llm.create_completion("The capital of Michigan is ", max_tokens=16, temperature=0, logprobs=3)
    prompt = "The capital of Michigan is "
    r = client.completions.create(model=SMOL, prompt=prompt, max_tokens=16, temperature=0, logprobs=3)
    ref = lmlab("generate", "--model", args.smol, "--prompt", prompt, "-n", "16", "--temperature", "0",
                "--logprobs", "3", "--json")["choices"][0]
    c = r.choices[0]
    assert c.text == ref["text"], (c.text, ref["text"])
    assert c.finish_reason == ref["finish_reason"], (c.finish_reason, ref["finish_reason"])
    assert c.logprobs.tokens == ref["logprobs"]["tokens"], (c.logprobs.tokens, ref["logprobs"]["tokens"])
    for got, want in zip(c.logprobs.token_logprobs, ref["logprobs"]["token_logprobs"]):
        assert close(got, want), (got, want)
    for got, want in zip(c.logprobs.top_logprobs, ref["logprobs"]["top_logprobs"]):
        assert set(got) == set(want) and all(close(got[k], want[k]) for k in got), (got, want)
    assert c.logprobs.text_offset == ref["logprobs"]["text_offset"]
    assert r.usage.completion_tokens == len(c.logprobs.tokens) and r.usage.prompt_tokens > 0


@exercise
def echo_scores_the_prompt():
    r = client.completions.create(model=SMOL, prompt="The quick brown fox", max_tokens=1, temperature=0, logprobs=1, echo=True)
    lp = r.choices[0].logprobs
    assert r.choices[0].text.startswith("The quick brown fox"), r.choices[0].text
    assert lp.token_logprobs[0] is None and all(x is not None for x in lp.token_logprobs[1:]), lp.token_logprobs
    assert "".join(lp.tokens).startswith("The quick brown fox"), lp.tokens


@exercise
def chat_with_a_system_prompt_that_names_the_assistant():
    r = client.chat.completions.create(model=SMOL, temperature=0, max_tokens=20, messages=[
        {"role": "system", "content": "You are a helpful assistant named Ada."},
        {"role": "user", "content": "What is your name?"}])
    text = r.choices[0].message.content
    assert r.choices[0].message.role == "assistant"
    assert "Ada" in text, text
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


REVIEW = ('Extract the title, the rating out of 10 and the sentiment of this review as JSON. Review: "I watched The '
          'Grand Budapest Hotel last night. The sets are gorgeous and the cast is wonderful. 9/10, I loved it."')


@exercise
def json_mode_output_parses():
    r = client.chat.completions.create(model=SMOL, temperature=0, max_tokens=64, response_format={"type": "json_object"},
                                       messages=[{"role": "user", "content": REVIEW}])
    value = json.loads(r.choices[0].message.content)
    assert isinstance(value, (dict, list)), value


@exercise
def json_schema_output_parses_and_validates():
    schema = {"type": "object", "properties": {
        "title": {"type": "string"}, "rating": {"type": "integer"},
        "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]}},
        "required": ["title", "rating", "sentiment"], "additionalProperties": False}
    r = client.chat.completions.create(model=SMOL, temperature=0, max_tokens=64, messages=[{"role": "user", "content": REVIEW}],
                                       response_format={"type": "json_schema", "json_schema": {"name": "review", "schema": schema, "strict": True}})
    value = json.loads(r.choices[0].message.content)
    jsonschema.validate(value, schema)
    assert value["title"] == "The Grand Budapest Hotel", value


@exercise
def streamed_deltas_equal_the_whole_text():
    kw = dict(model=SMOL, temperature=0.8, seed=7, max_tokens=40)
    msgs = [{"role": "user", "content": "Write a haiku about the sea."}]
    whole = client.chat.completions.create(messages=msgs, **kw).choices[0].message.content
    chunks = list(client.chat.completions.create(messages=msgs, stream=True, stream_options={"include_usage": True}, **kw))
    assert chunks[0].choices[0].delta.role == "assistant", chunks[0]
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == whole, (streamed, whole)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0, chunks[-1]
    # The legacy endpoint streams too.
    whole = client.completions.create(model=SMOL, prompt="Once upon a time", max_tokens=24, temperature=0).choices[0].text
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=SMOL, prompt="Once upon a time", max_tokens=24, temperature=0, stream=True) if c.choices)
    assert streamed == whole, (streamed, whole)


@exercise
def n_samples_with_a_seed_are_reproducible():
    kw = dict(model=SMOL, prompt="My favourite colour is", max_tokens=12, temperature=1.0, n=3, seed=42)
    first = [c.text for c in sorted(client.completions.create(**kw).choices, key=lambda c: c.index)]
    second = [c.text for c in sorted(client.completions.create(**kw).choices, key=lambda c: c.index)]
    assert len(first) == 3 and first == second, (first, second)
    assert len(set(first)) > 1, first
    # Each choice is what `lmlab generate --num-return-sequences 3 --seed 42` draws.
    ref = lmlab("generate", "--model", args.smol, "--prompt", "My favourite colour is", "-n", "12", "--temperature", "1",
                "--num-return-sequences", "3", "--seed", "42", "--json")
    assert first == [c["text"] for c in ref["choices"]], (first, ref["choices"])


@exercise
def beam_search_through_extra_body():
    r = client.completions.create(model=SMOL, prompt="The capital of France is", max_tokens=12, n=2,
                                  extra_body={"num_beams": 4, "length_penalty": 1.0, "early_stopping": True})
    ref = lmlab("generate", "--model", args.smol, "--prompt", "The capital of France is", "-n", "12", "--beams", "4",
                "--num-return-sequences", "2", "--early-stopping", "always", "--json")
    assert [c.text for c in r.choices] == [c["text"] for c in ref["choices"]], (r.choices, ref["choices"])


@exercise
def a_prompt_longer_than_the_context_is_a_bad_request():
    model, context = (TINY, None) if TINY else (SMOL, None)
    context = next(m for m in client.models.list().data if m.id == model).model_extra["context_length"]
    try:
        client.completions.create(model=model, prompt="hello " * (context + 10), max_tokens=4)
    except openai.BadRequestError as e:
        assert e.body["code"] == "context_length_exceeded", e.body
    else:
        raise AssertionError("no BadRequestError")


failed = [n for n, e in results if e]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
