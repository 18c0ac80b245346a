# `make` installs into .venv and renders every diagram under diagrams/ into
# output/; `make test` runs the whole suite; `make catalogue` redrafts the
# catalogue from the releases it covers (downloads them once); `make site`
# renders what is stale, then builds the HTML catalogue into output/site.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# project:release pairs the catalogue covers (the oldest and newest on PyPI;
# nova liberty, the original catalogue's release, from git: `trace fetch nova liberty --git URL|PATH`)
CATALOGUE := nova:liberty nova:ocata nova:2026.2 cinder:ocata cinder:2026.2 neutron:ocata neutron:2026.2 \
	sahara:pike sahara:2023.2 magnum:pike magnum:2026.2 glance:pike glance:2026.2 heat:rocky heat:2026.2

.PHONY: all test catalogue site clean

all: $(STAMP)
	$(BIN)/trace render diagrams -o output

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	@# the browser tests drive Debian's Chromium; install it when missing and root
	command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium)
	$(BIN)/python -m pytest -q

site: all
	$(BIN)/trace site -o output/site

catalogue: $(STAMP)
	for pair in $(CATALOGUE); do \
		project=$${pair%%:*}; release=$${pair#*:}; \
		$(BIN)/trace $$project --catalogue --release $$release -o diagrams/$$project/$$release --force || exit 1; \
	done
	$(BIN)/trace render diagrams -o output --force
	$(BIN)/python -m tracer.readme

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
