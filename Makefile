# latent: the two commands (`make demo`, `make test`) and the developer targets.
BUILD ?= build
JOBS ?= $(shell nproc)
LATENT = $(BUILD)/bin/latent

.PHONY: demo test setup build bench reference clean

demo: build
	$(LATENT) run

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

setup:
	./scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j$(JOBS)

bench: build
	./bench/run.sh

# The same studies in PyTorch (Python), for docs/results.md.
reference: setup
	/usr/bin/python3 reference/pytorch/autoencoder.py

clean:
	rm -rf $(BUILD)
