#!/usr/bin/env bash
# bench-vs-llamacpp.sh — lmlab's decoding speed against llama.cpp's, measured as the project's targets are stated:
# side by side, alternating, in one session. It builds nothing: give it a llama-bench binary (a llama.cpp build for
# this CPU, see ../shared/peers/README.md) and it runs that and `lmlab bench decode` in turn, ROUNDS times for each
# model and thread count, prints every pair, and the median ratio lmlab / llama.cpp of each figure.
#
#   scripts/bench-vs-llamacpp.sh LLAMA_BENCH_PATH [MODEL.gguf ...]
#
# Models default to checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf. Settings come from the environment:
#   THREADS="1 2"   thread counts, both sides          ROUNDS=3      alternations per model and thread count
#   PROMPT=128      prompt tokens (pp)                 GEN=128       generated tokens (tg)
#   ACTIVATIONS=q8  lmlab's --activations: q8 is the fast path on AVX2 (llama.cpp's numerics); float is exact
#   KV_CACHE=       lmlab's --kv-cache-type: f16 with q8 activations, f32 with float (exact) ones, by default.
#                   llama-bench's cache type defaults to f16 (-ctk/-ctv f16), so q8 + f16 is the same comparison.
#   LMLAB=.build/release/lmlab
# Peak RSS of each process is measured with GNU time (/usr/bin/time) when it is installed.
set -euo pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
    echo "usage: $0 LLAMA_BENCH_PATH [MODEL.gguf ...]  (LLAMA_BENCH_PATH: an executable llama-bench)" >&2
    exit 2
fi
LLAMA_BENCH=$1
shift
MODELS=("$@")
[[ ${#MODELS[@]} -eq 0 ]] && MODELS=(checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf)
THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-3}
PROMPT=${PROMPT:-128}
GEN=${GEN:-128}
ACTIVATIONS=${ACTIVATIONS:-q8}
if [[ $ACTIVATIONS == q8 ]]; then KV_CACHE=${KV_CACHE:-f16}; else KV_CACHE=${KV_CACHE:-f32}; fi
LMLAB=${LMLAB:-.build/release/lmlab}
for m in "${MODELS[@]}"; do [[ -f $m ]] || { echo "$m: no such model file" >&2; exit 2; }; done
[[ -x $LMLAB ]] || { echo "$LMLAB: not built (make build)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TIME=()
[[ -x /usr/bin/time ]] && TIME=(/usr/bin/time -f %M -o "$work/rss")

# Runs "$@" with its stdout in $work/out and its peak RSS (KiB, or 0) in $work/rss.
measure() {
    echo 0 > "$work/rss"
    "${TIME[@]}" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
}

echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# llama.cpp: $LLAMA_BENCH; lmlab: $LMLAB --activations $ACTIVATIONS --kv-cache-type $KV_CACHE ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
printf "%-40s %3s %5s  %9s %9s  %9s %9s  %8s %8s  %9s %9s\n" model thr round "llama pp" "llama tg" "lmlab pp" "lmlab tg" \
    "pp ratio" "tg ratio" "RSS llama" "RSS lmlab"
for model in "${MODELS[@]}"; do
    for t in $THREADS; do
        : > "$work/pairs"
        for round in $(seq 1 "$ROUNDS"); do
            measure "$LLAMA_BENCH" -m "$model" -t "$t" -p "$PROMPT" -n "$GEN" -r 1 -o json
            llama=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
pp = [x["avg_ts"] for x in d if x["n_prompt"] > 0 and x["n_gen"] == 0]
tg = [x["avg_ts"] for x in d if x["n_gen"] > 0 and x["n_prompt"] == 0]
print(pp[0], tg[0])' "$work/out") && llama_rss=$(cat "$work/rss")
            measure "$LMLAB" bench decode --model "$model" --threads "$t" --prompt-tokens "$PROMPT" \
                --generate-tokens "$GEN" --repeats 1 --activations "$ACTIVATIONS" --kv-cache-type "$KV_CACHE" --json
            lmlab=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["prompt_tokens_per_s"], d["generate_tokens_per_s"])' "$work/out") && lmlab_rss=$(cat "$work/rss")
            read -r lpp ltg <<< "$llama"
            read -r mpp mtg <<< "$lmlab"
            echo "$lpp $ltg $mpp $mtg" >> "$work/pairs"
            python3 -c 'import sys
name, t, r, lpp, ltg, mpp, mtg, lr, mr = sys.argv[1:]
lpp, ltg, mpp, mtg = map(float, (lpp, ltg, mpp, mtg))
print("%-40s %3s %5s  %9.1f %9.1f  %9.1f %9.1f  %7.2fx %7.2fx  %6.0f MiB %6.0f MiB" % (
    name[-40:], t, r, lpp, ltg, mpp, mtg, mpp / lpp, mtg / ltg, int(lr) / 1024, int(mr) / 1024))' \
                "$(basename "$model")" "$t" "$round" "$lpp" "$ltg" "$mpp" "$mtg" "$llama_rss" "$lmlab_rss"
        done
        python3 -c 'import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
pp = statistics.median(m / l for l, _, m, _ in rows)
tg = statistics.median(m / l for _, l, _, m in rows)
print("%-40s %3s median ratio lmlab/llama.cpp: pp %.2fx, tg %.2fx (%d rounds)" % (sys.argv[2][-40:], sys.argv[3], pp, tg, len(rows)))' \
            "$work/pairs" "$(basename "$model")" "$t"
    done
done
