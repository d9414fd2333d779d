# The two commands of README.md. Both set the machine up first (tools/install.sh is
# idempotent: a no-op once .venv matches the requirements). `make demo` needs only
# classification, so it sets up without the mmcv build (--lite: mmcv-lite); `make test`
# covers the detection transfer too, so it sets up fully (and turns a lite .venv into a
# full one).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-lite demo test gpu-wheels fmnist-for-device
setup:
	bash tools/install.sh

setup-lite:
	bash tools/install.sh --lite

demo: setup-lite
	bash tools/demo.sh

# The suite on TEST_WORKERS processes (pytest-xdist), each test file on one of them (the
# files' module fixtures are built once), one thread per process: 2 processes fill the
# 2 cores of CI (docs/benchmarks/timings.md: the time against one process).
TEST_WORKERS ?= 2
test: setup
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) -m pytest -q -p no:cacheprovider \
		-n $(TEST_WORKERS) --dist loadfile tests

# Wheels for tools/gpu_benchmark.sh on a lent GPU machine (Python 3.12, no internet).
gpu-wheels: setup
	$(PY) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
		--implementation cp --platform manylinux_2_17_x86_64 -d .whl \
		-r requirements/device/gpu_wheels.txt

# Fashion-MNIST for the device machine (tools/gpu_benchmark.sh), which has no Debian data.
fmnist-for-device:
	mkdir -p data/fashion-mnist
	cp -u $${MMAUTOMIX_FMNIST_ROOT:-/usr/share/datasets/fashion-mnist}/*-ubyte.gz data/fashion-mnist/
