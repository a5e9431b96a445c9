# lmlab — the two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first and can be run again at any time.
SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
LMLAB := .build/release/lmlab

.PHONY: demo test setup corpus build bench

# CI and developers' machines have WikiText-2 in ../shared; elsewhere get-corpus.sh downloads it.
CORPUS ?= $(wildcard ../shared/corpora/wikitext-2)

setup:
	@bash scripts/setup.sh

corpus:
	@bash scripts/get-corpus.sh $(CORPUS)

build: setup
	$(RELEASE) --product lmlab

demo: build
	$(LMLAB) demo xor
	$(LMLAB) bench tensor

test: setup corpus
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

bench: build
	$(LMLAB) bench tensor
