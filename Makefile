# tarn's top-level commands. Each target installs what it needs first, so
# `make demo` and `make test` work as the first command on a fresh machine.
#
#   make test      build (plain, ASan+UBSan, libFuzzer) and run every test
#   make unit      cmocka unit tests only          make e2e / make interop
#   make san       unit + e2e in the ASan+UBSan build
#   make fuzz      each fuzz target for 60 s       (FUZZ_SECONDS=n to change)
#   make bench     tarn against DuckDB on generated WHO-shaped CSV files
#   make demo      the example on sample data
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
export BUILD BUILD_SAN BUILD_FUZZ JOBS FUZZ_SECONDS

.PHONY: all deps build build-san build-fuzz demo test unit e2e interop san fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build:
	@bash tests/run.sh --build-only build

build-san:
	@bash tests/run.sh --build-only build-san

build-fuzz:
	@bash tests/run.sh --build-only build-fuzz

demo: deps build
	@bash examples/demo.sh $(BUILD)/tarn

test: deps
	@bash tests/run.sh

unit e2e interop san: deps
	@bash tests/run.sh $@

fuzz: deps
	@FUZZ_SECONDS=$(if $(filter file,$(origin FUZZ_SECONDS)),60,$(FUZZ_SECONDS)) bash tests/run.sh fuzz

bench: deps build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
