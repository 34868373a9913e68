# Steward. `make demo` and `make test` work on a fresh machine with Python 3.11, pip and make.
PYTHON ?= python3
# uv from PATH, else the one pip installs as a module (see the `uv` target).
UV = $(shell command -v uv >/dev/null 2>&1 && echo uv || echo $(PYTHON) -m uv)
VENV_BIN = .venv/bin
# Debian packages the tests need: Chromium driven by Playwright, a CJK font, and GNU gettext
# (the test that every string has its Chinese translation re-extracts the catalogue).
TEST_PACKAGES = chromium chromium-driver fonts-wqy-microhei gettext

.PHONY: demo test test-fast uv sync translations messages system-packages fonts bench clean lock

demo: sync translations fonts
	STEWARD_ENV=demo $(VENV_BIN)/steward demo $(DEMO_ARGS)

# The CJK font the review-pack and invoice PDFs embed (without it they fall back to a
# non-embedded font that only some PDF viewers can show). Installed when run as root.
fonts:
	@dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; \
		else \
			echo "Note: 'sudo apt-get install fonts-wqy-microhei' makes the PDFs embed their Chinese font."; \
		fi; }

# The suite runs in one worker per core (pytest-xdist; TEST_WORKERS=0 runs it in this process).
# worksteal: the isolation walkers take minutes each, so idle workers take queued tests.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist worksteal

test: sync translations system-packages
	STEWARD_ENV=test $(VENV_BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# Everything but the browser tests.
test-fast: sync translations
	STEWARD_ENV=test $(VENV_BIN)/pytest $(XDIST) -m "not browser" $(PYTEST_ARGS)

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet uv

sync: uv
	$(UV) sync --locked --python $(PYTHON)

lock: uv
	$(UV) lock

translations: sync
	STEWARD_ENV=test $(VENV_BIN)/steward compile_translations

# Re-extract the message catalogues (needs GNU gettext: apt-get install gettext).
messages: sync
	cd src/steward && STEWARD_ENV=test ../../$(VENV_BIN)/steward makemessages -l zh_Hans --no-obsolete --no-location

system-packages:
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing$$missing from Debian for the tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "The tests need Debian's$$missing: run 'sudo apt-get install$$missing' and retry."; \
			exit 1; \
		fi; \
	fi

bench: sync
	STEWARD_ENV=test $(VENV_BIN)/python -m bench

clean:
	rm -rf .venv var .pytest_cache .hypothesis
	find . -name '*.mo' -delete
