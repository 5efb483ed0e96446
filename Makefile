# latent: the two commands (`make demo`, `make test`) and the developer targets.
BUILD ?= build
JOBS ?= $(shell nproc)
LATENT = $(BUILD)/bin/latent

.PHONY: demo test setup configure build bench reference asan fuzz clean

# The demo builds only the program it runs (not the test suite or the benchmarks).
demo: configure
	cmake --build $(BUILD) -j$(JOBS) --target latent_app
	$(LATENT) run

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

setup:
	./scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: configure
	cmake --build $(BUILD) -j$(JOBS)

bench: build
	./bench/run.sh

# The same studies in PyTorch (Python), for docs/results.md.
reference: setup
	/usr/bin/python3 reference/pytorch/autoencoder.py

# The unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (LibTorch itself is not instrumented).
asan: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLATENT_SANITIZE=address,undefined -DLATENT_BUILD_BENCH=OFF
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# libFuzzer on the IDX, spec and checkpoint readers, FUZZ_SECONDS each (seed corpora in tests/fuzz/corpus).
FUZZ_SECONDS ?= 60
fuzz:
	./scripts/setup.sh --fuzz
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLATENT_FUZZ=ON \
	  -DLATENT_SANITIZE=address,undefined -DLATENT_BUILD_TESTS=OFF -DLATENT_BUILD_BENCH=OFF -DLATENT_PCH=OFF
	cmake --build build-fuzz -j$(JOBS)
	./tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
