# The two commands that matter: `make run` and `make test`. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000
ARGS   ?=
STAGE  ?= dev

# Bytecode is written as modules are first imported, and only then: pip does not compile
# every module of every package at install (~27 s, mostly code never imported here,
# such as sympy under cfn-lint), and an environment that forbids writing bytecode would
# make every process compile its imports again (our .venv is ours to write).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test suite test-fast lint constraints bench package layer vendor screenshots clean

# Re-install only when a requirements file changed (warm starts stay fast).
# constraints.txt holds every package's version, dependencies' dependencies included (`make constraints`).
$(STAMP): requirements.txt requirements-dev.txt constraints.txt client/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py serve --port $(PORT)

# Lint and the suite side by side: mypy fits in the seconds the slow tests spend
# waiting on their servers. Fails if either fails.
test: install
	$(MAKE) --no-print-directory -j2 lint suite

suite: install
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider $(ARGS)

# The inner loop: everything but the tests marked slow (pytest.ini), no lint.
test-fast: install
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider -m "not slow" $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict --python-version 3.10 client/src

# After changing a requirement: install, run the suite, then pin what was installed.
constraints: install
	{ sed -n '/^#/p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check; } > constraints.tmp
	mv constraints.tmp constraints.txt

# Figures against the platform's limits (not part of `make test`): table + bench/results.json.
bench: install
	$(BIN)/python -m bench

# The page's third-party files (chalicelib/web/vendor/) from pinned npm packages: commit the result.
vendor: install
	$(BIN)/python -m ops.vendor

# docs/img/*.png: the page's main states at 1280 and 360 px, in Debian's Chromium.
screenshots: install
	$(BIN)/python -m tests.browser.screenshots

# CloudFormation for a stage (docs/deploy.md): dist/sam.json + dist/deployment.zip +
# dist/worker-layer.zip. Offline but for PyPI (chalice downloads the Lambda wheels, pip
# the worker's); the region only satisfies chalice's CLI, the template uses the stack's own.
package: install
	rm -rf dist
	$(BIN)/python -m ops.template merge --stage $(STAGE) --out dist/merge/$(STAGE).json
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $(STAGE) \
		--pkg-format cloudformation --merge-template dist/merge/$(STAGE).json dist
	$(BIN)/python -m ops.worker_layer build --out dist/worker-layer.zip
	$(BIN)/python -m ops.package_check dist/deployment.zip --layer dist/worker-layer.zip
	$(BIN)/cfn-lint dist/sam.json
	@echo "dist/sam.json + dist/deployment.zip ($$(du -k dist/deployment.zip | cut -f1) KB)" \
		"+ dist/worker-layer.zip ($$(du -k dist/worker-layer.zip | cut -f1) KB) for stage $(STAGE)"

# The derivatives worker's layer alone (PyAV for Lambda), for `manage.py bootstrap` to publish.
layer: install
	$(BIN)/python -m ops.worker_layer build --out dist/worker-layer.zip
	$(BIN)/python -m ops.package_check --check-only --layer dist/worker-layer.zip

clean:
	rm -rf $(VENV) dist .pytest_cache
