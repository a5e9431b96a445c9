#!/usr/bin/env python3
"""Chat-template fixtures for Tests/ChatTests: real models' `tokenizer.chat_template` strings and what Hugging Face's
`apply_chat_template` renders from them.

Two steps:

  extract  writes Tests/ChatTests/Fixtures/<name>.jinja from public sources (run once; the files are committed):
             smollm2        checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf, key tokenizer.chat_template (PyPI `gguf`)
             llama2-chat    PyPI guidance==0.3.1, guidance/chat.py `llama2_template`
                            (copied there from meta-llama/Llama-2-7b-chat-hf tokenizer_config.json)
             llama3-instruct  same file, `llama3_template` (meta-llama/Meta-Llama-3-8B-Instruct)
             qwen2.5-instruct same file, `qwen2dot5_it_template` (Qwen/Qwen2.5-0.5B-Instruct @ 7ae55760…)
             gemma2-it      same file, `gemma2_9b_it_template` (google/gemma-2-9b-it)
             qwen3          same file, `qwen3_it_template` (Qwen/Qwen3-8B)
             llama3.1-instruct  PyPI ldp==0.43.0, ldp/nn/chat_templates/llama3.1_chat_template_hf.jinja
                            (meta-llama/Llama-3.1-8B-Instruct tokenizer_config.json)
             zephyr         GitHub huggingface/text-generation-inference, router/src/infer/chat_template.rs
                            @ 0275c52c, test item "HuggingFaceH4/zephyr-7b-beta" (TinyLlama-1.1B-Chat-v1.0 ships
                            the same template)
             mistral-v0.1   same file, test item "mistralai/Mistral-7B-Instruct-v0.1"
             mistral-v0.3   same repository, router/src/server.rs @ 003eaec0, test_prepare_chat_input's mocked
                            tokenizer_config (Mistral-7B-Instruct-v0.3's tool-calling template)
           The three TGI strings are Rust string literals, reproduced below unchanged (Rust and Python escapes agree).

  render   renders every fixture with jinja2 exactly as transformers' apply_chat_template does
           (ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True), loop controls, `raise_exception`
           and its own `tojson`; `tools` and `documents` passed as None) over CONVERSATIONS and writes Tests/ChatTests/Fixtures/expected.json:
           {"templates": {name: {"bos_token", "eos_token", "cases": [{"name", "messages", "add_generation_prompt",
           "output" | "error"}]}}, "snippets": [{"name", "template", "context", "output"}]} — the snippets test the
           interpreter's pieces (whitespace control, loops, scoping, operators, filters, tests, methods).

    /work/peer-venv/bin/pip install jinja2 gguf
    /work/peer-venv/bin/python scripts/make-chat-template-fixtures.py extract --wheels DIR   # DIR holds the wheels
    /work/peer-venv/bin/python scripts/make-chat-template-fixtures.py render
"""

import argparse
import json
import os
import re
import sys
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "Tests", "ChatTests", "Fixtures")

# --- sources that are not wheels: huggingface/text-generation-inference test strings (Rust literals) -------------
TGI_ZEPHYR = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
TGI_MISTRAL_V01 = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
TGI_MISTRAL_V03 = "{%- if messages[0][\"role\"] == \"system\" %}\n    {%- set system_message = messages[0][\"content\"] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n\n{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n{%- set ns = namespace() %}\n{%- set ns.index = 0 %}\n{%- for message in loop_messages %}\n    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls is defined and message.tool_calls is not none)) %}\n        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n            {{- raise_exception(\"After the optional system message, conversation roles must alternate user/assistant/user/assistant/...\") }}\n        {%- endif %}\n        {%- set ns.index = ns.index + 1 %}\n    {%- endif %}\n{%- endfor %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if message[\"role\"] == \"user\" %}\n        {%- if tools is not none and (message == user_messages[-1]) %}\n            {{- \"[AVAILABLE_TOOLS] [\" }}\n            {%- for tool in tools %}\n                {%- set tool = tool.function %}\n                {{- '{\"type\": \"function\", \"function\": {' }}\n                {%- for key, val in tool.items() if key != \"return\" %}\n                    {%- if val is string %}\n                        {{- '\"' + key + '\": \"' + val + '\"' }}\n                    {%- else %}\n                        {{- '\"' + key + '\": ' + val|tojson }}\n                    {%- endif %}\n                    {%- if not loop.last %}\n                        {{- \", \" }}\n                    {%- endif %}\n                {%- endfor %}\n                {{- \"}}\" }}\n                {%- if not loop.last %}\n                    {{- \", \" }}\n                {%- else %}\n                    {{- \"]\" }}\n                {%- endif %}\n            {%- endfor %}\n            {{- \"[/AVAILABLE_TOOLS]\" }}\n            {%- endif %}\n        {%- if loop.last and system_message is defined %}\n            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n        {%- else %}\n            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n        {%- endif %}\n    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n        {{- \"[TOOL_CALLS] [\" }}\n        {%- for tool_call in message.tool_calls %}\n            {%- set out = tool_call.function|tojson %}\n            {{- out[:-1] }}\n            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n            {%- endif %}\n            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n            {%- if not loop.last %}\n                {{- \", \" }}\n            {%- else %}\n                {{- \"]\" + eos_token }}\n            {%- endif %}\n        {%- endfor %}\n    {%- elif message[\"role\"] == \"assistant\" %}\n        {{- \" \" + message[\"content\"]|trim + eos_token}}\n    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n        {%- if message.content is defined and message.content.content is defined %}\n            {%- set content = message.content.content %}\n        {%- else %}\n            {%- set content = message.content %}\n        {%- endif %}\n        {{- '[TOOL_RESULTS] {\"content\": ' + content|string + \", \" }}\n        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n        {%- endif %}\n        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n    {%- else %}\n        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an initial optional system message!\") }}\n    {%- endif %}\n{%- endfor %}\n"

# Each fixture's special tokens, as the model's tokenizer_config.json names them.
TOKENS = {
    "smollm2": ("<|im_start|>", "<|im_end|>"),
    "llama2-chat": ("<s>", "</s>"),
    "llama3-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.1-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "zephyr": ("<s>", "</s>"),
    "mistral-v0.1": ("<s>", "</s>"),
    "mistral-v0.3": ("<s>", "</s>"),
    "qwen2.5-instruct": ("", "<|im_end|>"),
    "qwen3": ("", "<|im_end|>"),
    "gemma2-it": ("<bos>", "<eos>"),
}

CONVERSATIONS = [
    ("system+user", [{"role": "system", "content": "You are a terse assistant."},
                     {"role": "user", "content": "What is the capital of France?"}]),
    ("user only", [{"role": "user", "content": "Hello!"}]),
    ("multi-turn", [{"role": "user", "content": "Hi, who are you?"},
                    {"role": "assistant", "content": "I am a small model."},
                    {"role": "user", "content": "Tell me a joke."}]),
    ("system+multi-turn", [{"role": "system", "content": "Answer briefly."},
                           {"role": "user", "content": "2+2?"},
                           {"role": "assistant", "content": "4"},
                           {"role": "user", "content": "And 3+3?"}]),
    ("padded unicode", [{"role": "user", "content": "  Café olé? \n"},
                        {"role": "assistant", "content": " Bien sûr! "},
                        {"role": "user", "content": "\tmerci — 谢谢\n"}]),
    ("thinking", [{"role": "user", "content": "Hi"},
                  {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello!"},
                  {"role": "user", "content": "And?"}]),
    ("bad role order", [{"role": "assistant", "content": "I speak first."},
                        {"role": "user", "content": "odd"}]),
    ("two users", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
]


# Interpreter pieces: (name, template, context), rendered by jinja2 in the same environment -> "snippets".
SNIPPETS = [
    # whitespace control: trim_blocks, lstrip_blocks, -, +, comments, the final newline
    ("trim_blocks", "{% if true %}\nx\n{% endif %}\ny\n", {}),
    ("lstrip_blocks", "a\n    {% if true %}\n    b\n    {% endif %}\nc", {}),
    ("lstrip only at line start", " c {% if true %} d {% endif %}\n  {{ 'e' }}\n", {}),
    ("minus strips", "a   {{- 'b' -}}   c  {%- if true -%}  d  {%- endif %}\n\n e", {}),
    ("minus strips newlines", "x\n\n  {%- for i in [1, 2] -%}\n  [{{ i }}]\n  {%- endfor %}\n", {}),
    ("plus keeps indentation", "a\n    {%+ if true %}b{% endif %}", {}),
    ("comments", "a{# gone #}b\n  {# line comment #}\nc{#- trim -#}   d", {}),
    ("output keeps its newline", "{{ 'a' }}\n{{ 'b' }}\n\n", {}),
    ("crlf", "{% if true %}\r\nx{% endif %}\r\n", {}),
    ("newlines normalized", "a\r\nb\rc{{ 'd\r\ne' }}\r\n\r\n", {}),
    # loops
    ("loop variables", "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
     "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}", {"xs": ["a", "b", "c"]}),
    ("previtem nextitem", "{% for x in xs %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }};{% endfor %}", {"xs": [1, 2, 3]}),
    ("for else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for if", "{% for x in [1, 2, 3, 4, 5] if x is odd %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}", {}),
    ("break continue", "{% for n in [1, 2, 3, 4] %}{% if n == 2 %}{% continue %}{% endif %}"
     "{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}", {}),
    ("dict items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
     {"d": {"z": 1, "a": "x"}}),
    ("scoping", "{% set a = 1 %}{% for x in [1, 2] %}{{ a }}{% set a = x * 10 %}{{ a }},{% endfor %}{{ a }}"
     "{% if true %}{% set b = 3 %}{% endif %}{{ b }}", {}),
    ("namespace", "{% set ns = namespace(total=0, seen=false) %}{% for x in [1, 2, 3] %}"
     "{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }} {{ ns.seen }}", {}),
    ("set block", "{% set greeting %}Hi {{ name }}!{% endset %}[{{ greeting }}]", {"name": "Ann"}),
    # expressions
    ("literals", "{{ 'a\\nb\\t\\'q\\'' }}|{{ \"it's\" }}|{{ 42 }}|{{ 2.5 }}|{{ true }}|{{ none }}|{{ [1, 'a', none] }}"
     "|{{ {'k': [1, 2]} }}|{{ (1, 2) | list }}", {}),
    ("arithmetic", "{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} "
     "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 'n=' ~ 3 ~ none }} {{ [1] + [2] }} {{ 0.1 + 0.2 }}", {}),
    ("comparisons", "{{ 1 < 2 }}{{ 2 <= 1 }}{{ 'a' == 'a' }}{{ 'a' != 'a' }}{{ 3 > 2 }}{{ 1 >= 1 }}{{ 1 == 1.0 }}"
     "{{ 'b' < 'ab' }}", {}),
    ("logic", "{{ true and false }} {{ true or false }} {{ not true }} {{ not 1 == 2 }} {{ 0 or 'x' }} {{ '' and 1 }}", {}),
    ("in", "{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in d }}{{ 'q' not in d }}{{ 'role' in m }}",
     {"d": {"k": 1}, "m": {"role": "user"}}),
    ("attribute and subscript", "{{ m.role }} {{ m['content'] }} {{ ms[0]['role'] }} {{ ms[-1].content }} "
     "{{ m.missing is defined }} {{ ms[5] is defined }} {{ 'abc'[1] }}",
     {"m": {"role": "user", "content": "hi"}, "ms": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}),
    ("slices", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} "
     "{{ xs[10:] }} {{ 'hello'[-3:] }}", {"xs": [1, 2, 3, 4]}),
    ("conditional expression", "{{ 'yes' if flag else 'no' }}|{{ 'a' if false }}|{{ 'x' if 1 > 2 else 'y' if true else 'z' }}",
     {"flag": True}),
    ("tests", "{{ x is defined }}{{ y is defined }}{{ y is not defined }}{{ n is none }}{{ s is string }}"
     "{{ 1 is number }}{{ d is mapping }}{{ [] is iterable }}{{ 3 is odd }}{{ 4 is even }}{{ 'a' is equalto 'a' }}"
     "{{ 9 is divisibleby 3 }}{{ not n is none }}{{ x is integer }}{{ true is boolean }}",
     {"x": 1, "n": None, "s": "s", "d": {}}),
    # filters
    ("filters", "{{ '  hi  ' | trim }}|{{ [1, 2, 3] | length }}|{{ 'abc' | length }}|{{ 'Hi' | upper }}{{ 'Hi' | lower }}"
     "|{{ missing | default('dflt') }}|{{ '' | default('empty', true) }}|{{ 'hello world' | title }}"
     "|{{ 'hELLO' | capitalize }}|{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}|{{ ['a', 'b'] | join(', ') }}"
     "|{{ 'x' | string }}{{ 3 | string }}|{{ '5' | int + 1 }}|{{ [3, 1] | reverse | list }}|{{ 'a-b' | replace('-', '+') }}"
     "|{{ (d | items | list)[0][0] }}|{{ [1, 2, 1] | unique | list }}", {"d": {"a": 1}}),
    ("filter precedence", "{{ 'a' + x | trim + 'b' }}|{{ xs | length - 1 }}|{{ -3 | abs }}", {"x": "  X  ", "xs": [1, 2, 3]}),
    ("tojson", "{{ d | tojson }}|{{ 'é\\n\"' | tojson }}|{{ [1, 2.5, none, true] | tojson }}|{{ d | tojson(indent=2) }}"
     "|{{ {} | tojson }}|{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", {"d": {"name": "f", "args": {"x": [1, 2]}}}),
    ("select and map", "{{ ms | selectattr('role', 'equalto', 'user') | list | length }} "
     "{{ (ms | selectattr('role', 'equalto', 'user') | list)[-1].content }} {{ ms | rejectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }} "
     "{{ [1, 2, 3, 4] | select('even') | list }} {{ ['a', 'code', 'b'] | reject('equalto', 'code') | join(', ') }}",
     {"ms": [{"role": "system", "content": "s"}, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a"},
             {"role": "user", "content": "u2"}]}),
    # methods
    ("string methods", "{{ '  x  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nhi\\n'.lstrip('\\n') }}|{{ 'hi  '.rstrip() }}"
     "|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith(('x', 'a')) }}|{{ 'a b  c'.split() }}"
     "|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ \"hello wORLD it's\".title() }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}"
     "|{{ 'aaa'.replace('a', 'b', 2) }}|{{ '-'.join(['x', 'y']) }}|{{ 'hello'.find('l') }}", {}),
    ("think split", "{% set c = text.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}[{{ c }}]"
     "[{{ text.split('</think>')[-1].lstrip('\\n') }}]", {"text": "<think>\nhmm\n</think>\n\nHello!"}),
    ("dict methods", "{{ d.get('a') }} {{ d.get('z', 'none') }} {{ d.keys() | list }} {{ d.values() | list }}", {"d": {"a": 1, "b": 2}}),
    ("range", "{% for i in range(3) %}{{ i }}{% endfor %} {{ range(1, 10, 3) | list }}", {}),
    ("macro", "{% macro tag(name, body='-') %}<{{ name }}>{{ body }}</{{ name }}>{% endmacro %}\n"
     "{{ tag('a') }}{{ tag('b', 'x') }}{{ tag(body='y', name='c') }}{{ top }}", {"top": "!"}),
    ("loop cycle", "{% for x in [1, 2, 3] %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {}),
]


def extract(wheels):
    from gguf import GGUFReader
    os.makedirs(FIXTURES, exist_ok=True)
    out = {}
    reader = GGUFReader(os.path.join(ROOT, "checkpoints", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    field = reader.fields["tokenizer.chat_template"]
    out["smollm2"] = bytes(field.parts[field.data[0]]).decode("utf-8")

    chat_py = zipfile.ZipFile(os.path.join(wheels, "guidance-0.3.1-py3-none-any.whl")).read("guidance/chat.py").decode()
    def guidance(name):
        m = re.search(r"^" + re.escape(name) + r" = (.*)$", chat_py, re.M)
        return eval(m.group(1))  # one Python string literal
    out["llama2-chat"] = guidance("llama2_template")
    out["llama3-instruct"] = guidance("llama3_template")
    out["qwen2.5-instruct"] = guidance("qwen2dot5_it_template")
    out["gemma2-it"] = guidance("gemma2_9b_it_template")
    out["qwen3"] = guidance("qwen3_it_template")
    ldp = zipfile.ZipFile(os.path.join(wheels, "ldp-0.43.0-py3-none-any.whl"))
    out["llama3.1-instruct"] = ldp.read("ldp/nn/chat_templates/llama3.1_chat_template_hf.jinja").decode()
    out["zephyr"] = TGI_ZEPHYR
    out["mistral-v0.1"] = TGI_MISTRAL_V01
    out["mistral-v0.3"] = TGI_MISTRAL_V03
    for name, text in out.items():
        with open(os.path.join(FIXTURES, name + ".jinja"), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print(f"wrote {name}.jinja ({len(text)} chars)")


def hf_environment():
    """transformers' _compile_jinja_template: the sandbox, trim/lstrip blocks, raise_exception, tojson."""
    from jinja2.exceptions import TemplateError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def render():
    from jinja2.exceptions import TemplateError
    env = hf_environment()
    out = {}
    for file in sorted(os.listdir(FIXTURES)):
        if not file.endswith(".jinja"):
            continue
        name = file[:-len(".jinja")]
        with open(os.path.join(FIXTURES, file), encoding="utf-8", newline="") as f:
            template = env.from_string(f.read())
        bos, eos = TOKENS[name]
        cases = []
        for conv_name, messages in CONVERSATIONS:
            for add_generation_prompt in (True, False):
                case = {"name": conv_name, "messages": messages, "add_generation_prompt": add_generation_prompt}
                try:
                    # transformers passes tools and documents (None without them) beside the special tokens.
                    case["output"] = template.render(messages=messages, tools=None, documents=None,
                                                     add_generation_prompt=add_generation_prompt,
                                                     bos_token=bos, eos_token=eos)
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
        out[name] = {"bos_token": bos, "eos_token": eos, "cases": cases}
        errors = sum("error" in c for c in cases)
        print(f"{name}: {len(cases)} cases, {errors} raise")
    snippets = []
    for name, source, context in SNIPPETS:
        context = json.loads(json.dumps(context, sort_keys=True))  # dict order as expected.json lists it
        snippets.append({"name": name, "template": source, "context": context,
                         "output": env.from_string(source).render(**context)})
    print(f"{len(snippets)} snippets")
    with open(os.path.join(FIXTURES, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"templates": out, "snippets": snippets}, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=["extract", "render"])
    p.add_argument("--wheels", default=".", help="directory holding guidance-0.3.1 and ldp-0.43.0 wheels (extract)")
    a = p.parse_args()
    extract(a.wheels) if a.step == "extract" else render()
