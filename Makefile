# tarn's top-level commands. Each target installs what it needs first, so
# `make demo` and `make test` work as the first command on a fresh machine.
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)

.PHONY: all deps build build-san build-fuzz demo test unit e2e interop fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-san:
	@cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DTARN_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS)

build-fuzz:
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTARN_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)

demo: deps build
	@bash examples/demo.sh $(BUILD)/tarn

test: deps
	@bash tests/run.sh

fuzz: deps build-fuzz
	@FUZZ_SECONDS=60 bash tests/fuzz/run.sh $(BUILD_FUZZ)

bench: deps build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
