# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make demo   create .venv, install everything, run the kiosk demo
#   make test   create .venv, install everything, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-tools venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/kiosk demo $(DEMO_ARGS)

test: $(STAMP) test-tools
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Tools some tests run for real: promtool + prometheus (Debian package
# prometheus) and systemd-analyze (package systemd). Installed quietly when
# missing, only as root with apt; otherwise those tests skip and say why. The
# prometheus service the package enables is stopped: the tests start their own.
test-tools:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; \
	  command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	  command -v systemd-analyze >/dev/null 2>&1 || missing="$$missing systemd"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing$$missing for the monitoring tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get install -y -qq --no-install-recommends $$missing || \
	      { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; }; } >/dev/null 2>&1 \
	      || echo "could not install$$missing; the tests that need it are skipped"; \
	    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then \
	      systemctl disable --now prometheus.service >/dev/null 2>&1 || true; fi; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info
