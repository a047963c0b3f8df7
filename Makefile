# kim-docs: Einrichtung, Demo und Tests.  Auf einem frischen Debian als root:
#   make demo   – richtet alles ein und erzeugt alle Dokumente der Beispielfälle
#   make test   – richtet alles ein und führt die Tests aus
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
OUT   ?= ausgabe

APT_PACKAGES := python3 python3-venv python3-pip libreoffice-writer-nogui libreoffice-calc-nogui \
	fonts-crosextra-carlito fonts-liberation fonts-dejavu-core poppler-utils softhsm2

.PHONY: setup system-deps venv demo test test-fast lint bench clean

setup: system-deps venv

# Installs the Debian packages only when something is missing (CI reruns cheaply).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installiere:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: setup
	-$(VENV)/bin/kim-docs validate samples/
	@for f in samples/*.yaml; do echo "== $$f"; $(VENV)/bin/kim-docs calc $$f || true; done
	-$(VENV)/bin/kim-docs render alle samples/ -o $(OUT)
	@echo "Alle Dokumente der gültigen Beispielfälle (DOCX und PDF/A) liegen in $(OUT)/ (manifest.json dort)."
	-$(VENV)/bin/kim-docs batch run samples/batch/kim-2025.xlsx -o $(OUT)/stapel-2025 --quiet
	@echo "Stapel der 54 Empfänger 2025 (zwei Zeilen mit absichtlichen Fehlern, eine mit Teilablehnung): $(OUT)/stapel-2025/bericht.csv"

# ruff and mypy over the package (installed into the venv by '.[test]')
lint: setup
	$(VENV)/bin/ruff check kim_docs
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/kim-docs templates lint
	$(PY) -m pytest

# the edit-test loop: every test that needs no LibreOffice
test-fast: setup
	KIM_TEST_FAST=1 $(PY) -m pytest -m "not libreoffice"

bench: setup
	$(PY) benchmarks/calc.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
