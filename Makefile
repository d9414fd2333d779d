# The two commands of README.md. Both set the machine up first (tools/install.sh is
# idempotent: a no-op once .venv matches the requirements).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test
setup:
	bash tools/install.sh

demo: setup
	bash tools/demo.sh

test: setup
	$(PY) -m pytest -q -p no:cacheprovider tests
