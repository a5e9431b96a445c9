# lmlab — the two commands of the README: `make demo` runs the main job, `make test` runs the tests.
# Both install what they need first and can be run again at any time.
SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
LMLAB := .build/release/lmlab

.PHONY: demo test setup build bench

setup:
	@bash scripts/setup.sh

build: setup
	$(RELEASE) --product lmlab

demo: build
	$(LMLAB) demo xor
	$(LMLAB) bench tensor

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

bench: build
	$(LMLAB) bench tensor
