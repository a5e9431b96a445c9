# lmlab — the two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first (apt packages, WikiText-2, the SmolLM2 GGUF) and can be run again at any time.
SWIFT ?= swift
# Like llama.cpp's GGML_NATIVE: compile for this machine's CPU (AVX2/AVX-512, FMA, VNNI…). The matrix–vector
# kernels run about twice as fast as on baseline x86-64 (SSE2), what plain `swift build` targets.
# `make NATIVE=0 …` builds binaries that run on any x86-64.
NATIVE ?= 1
CPUFLAGS := $(if $(filter 1,$(NATIVE)),-Xswiftc -target-cpu -Xswiftc native)
RELEASE := $(SWIFT) build -c release $(CPUFLAGS)
LMLAB := .build/release/lmlab
# Tests run optimized: the SIMD kernels are 10–100× slower unoptimized. -enable-testing keeps @testable imports.
TESTFLAGS := -c release -Xswiftc -enable-testing $(CPUFLAGS)

# CI and developers' machines have WikiText-2 in ../shared; elsewhere get-corpus.sh downloads it.
CORPUS ?= $(wildcard ../shared/corpora/wikitext-2)

.PHONY: demo test setup corpus model build bench lectures

setup:
	@bash scripts/setup.sh

corpus:
	@bash scripts/get-corpus.sh $(CORPUS)

model:
	@bash scripts/get-model.sh

build: setup
	$(RELEASE) --product lmlab

demo: build corpus model
	$(LMLAB) demo xor
	$(LMLAB) bench tensor
	$(LMLAB) prepare --corpus wikitext-2 --vocab-size 4096
	$(LMLAB) train --preset tiny --style gpt2 --minutes 2 --eval-every 100 --out checkpoints/demo-tiny.h5
	$(LMLAB) info checkpoints/demo-tiny.h5
	$(LMLAB) compare --model checkpoints/demo-tiny.h5 --prompt " The game" --max-tokens 24 --seed 1
	$(LMLAB) compare --model checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf --prompt "The best thing about Paris is" --max-tokens 24 --seed 1

# Lessons checked in CI: all of them (together about nine and a half minutes, the lessons' tiny GPT trained once by the first
# lesson that needs it); `make lectures` checks them too, outside the test run.
CI_LECTURES := $(sort $(wildcard lectures/[0-9]*.md))

# The lessons run before the tests: lesson 1 trains checkpoints/lessons-tiny.h5, which the tests then also use
# (JSONClosingBudgetTests samples it).
test: setup corpus model
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(LMLAB) lectures check $(CI_LECTURES)
	$(SWIFT) test $(TESTFLAGS) --skip-build --disable-swift-testing

lectures: build corpus model
	$(LMLAB) lectures check

bench: build
	$(LMLAB) bench tensor
	$(LMLAB) bench train --preset tiny --style gpt2
