# Thin wrapper around CMake.  `make demo` and `make check` are the two commands a new
# machine needs; both install missing Debian packages first (scripts/bootstrap.sh).
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
STRESS_SECONDS ?= 300
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all bootstrap build demo check check-asan check-tsan check-layers bench bench-smoke install clean fuzz fuzz-load stress

all: build

bootstrap:
	@scripts/bootstrap.sh

# One configuration for build, demo and check, so none of them rebuilds what another built.
CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DWINVM_WERROR=ON $(CMAKE_FLAGS)

build: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS)

# The demo needs the CLI and its two PE images only, not the tests.
demo: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS) --target winvm-cli
	$(BUILD)/winvm demo

check: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS)
	scripts/check-layers.sh $(BUILD)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan: bootstrap
	cmake -S . -B $(ASAN_BUILD) -DWINVM_WERROR=ON -DWINVM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer cannot run Criterion (its arena), so this build runs the stress program only
# (tests/stress.c: threads of random calls against a model, every race TSan sees fails it).
check-tsan: bootstrap
	cmake -S . -B $(TSAN_BUILD) -DWINVM_WERROR=ON -DWINVM_TSAN=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target winvm-stress
	cd $(TSAN_BUILD) && ctest --output-on-failure -R '^stress$$'

# The stress program for STRESS_SECONDS (default 300) in the normal build.
stress: build
	WINVM_STRESS_SECONDS=$(STRESS_SECONDS) $(BUILD)/tests/winvm-stress

# The dependency rule (docs/architecture.md): includes and symbols point down the layers.
check-layers: build
	scripts/check-layers.sh $(BUILD)

# BENCH_ARGS: e.g. "--rows 1-4,watch --json out.json" (winvm-bench --help; docs/performance.md)
BENCH_ARGS ?=
bench: build
	$(BUILD)/winvm-bench $(BENCH_ARGS)

bench-smoke: build
	$(BUILD)/winvm-bench --quick

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# libFuzzer on the PE parser (not part of `check`): FUZZ_SECONDS of fuzzing, seeded from the
# mingw-built test images (built by `make build`) plus whatever earlier runs found in
# $(FUZZ_BUILD)/corpus.  A crash leaves its input in $(FUZZ_BUILD)/crash-*: keep it under
# tests/images/crashers/, where test_pe replays it.
fuzz: build
	mkdir -p $(FUZZ_BUILD)/corpus
	-cp $(BUILD)/tests/images/*.dll $(FUZZ_BUILD)/corpus/
	clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -Iinclude -Isrc -o $(FUZZ_BUILD)/fuzz_pe fuzz/fuzz_pe.c src/pe/pe.c src/pe/pe_dir.c src/section/layout.c src/base/error.c
	$(FUZZ_BUILD)/fuzz_pe -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus

# libFuzzer on the whole load path (fuzz/fuzz_load.c): each input written out as a DLL, loaded
# in process without running it (open, parse, map, lay out, relocate, unload), then loaded fully
# in a sandboxed child with a time limit (bind, TLS, DllMain) for every FUZZ_CHILD_EVERY-th
# input (a fork costs ~20 in-process runs).  Seeds: the test images' DLLs.
FUZZ_LOAD_BUILD ?= build-fuzz-load
FUZZ_CHILD_EVERY ?= 8
fuzz-load: build
	CC=clang cmake -S . -B $(FUZZ_LOAD_BUILD) -DWINVM_FUZZ=ON -DWINVM_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_LOAD_BUILD) -j $(JOBS) --target fuzz_load
	mkdir -p $(FUZZ_LOAD_BUILD)/corpus
	-cp $(BUILD)/tests/images/*.dll $(FUZZ_LOAD_BUILD)/corpus/
	WINVM_FUZZ_CHILD_EVERY=$(FUZZ_CHILD_EVERY) $(FUZZ_LOAD_BUILD)/fuzz_load -max_total_time=$(FUZZ_SECONDS) -max_len=262144 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_LOAD_BUILD)/ $(FUZZ_LOAD_BUILD)/corpus
