# fisherflow: make builds, make test is what CI runs (see .ci/run).
SHELL     := /bin/bash
GO        ?= go
QEMU      ?= qemu-aarch64-static
FUZZTIME  ?= 10s
BENCHTIME ?= 200ms
COVER_MIN ?= 90
PKGS      := ./...

.PHONY: all build test vet test-asm test-amd64 test-race test-purego test-arm64 test-cross \
	check-generate cover generate benchmarks bench bench-check bench-check-short bench-peer-gemm bench-peer-train bench-peer-promoter bench-peer-promoter-step bench-peer-promoter-sample bench-peer-molecules bench-peer-molecules-check bench-peer-kernels bench-peers-setup bench-neon fuzz test-long reproduce-toy clean

all: build

build:
	$(GO) build $(PKGS)

# Everything CI checks, in order of cost.
test: vet test-asm test-amd64 test-race test-purego test-cross cover test-arm64 check-generate bench-check-short
	@echo "make test: all checks passed"

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	GOARCH=arm64 $(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)
	cd asm && $(GO) vet ./...

# The generators' own tests: the NEON encoder against llvm-mc (skipped,
# saying so, when llvm is not installed; .ci/run installs it).
test-asm:
	cd asm && $(GO) test ./...

test-amd64:
	$(GO) test $(PKGS)

test-race:
	$(GO) test -race -short $(PKGS)

test-purego:
	$(GO) test -tags purego -short $(PKGS)

# Other architectures build and run the generic path. 386 runs natively
# where the kernel can execute 32-bit binaries; some VM kernels cannot (no
# IA32 emulation, and qemu-i386 crashes in Go's 386 runtime), and there the
# 386 build is vetted instead, saying so.
test-cross:
	@if GOARCH=386 $(GO) test -run '^$$' ./internal/cpu >/dev/null 2>&1; then \
		echo "GOARCH=386 $(GO) test -short ./kernels/..."; GOARCH=386 $(GO) test -short ./kernels/...; \
	else \
		echo "test-cross: this machine cannot run 386 binaries; vetting the 386 build instead"; \
		GOARCH=386 $(GO) vet $(PKGS); \
	fi
	GOARCH=riscv64 $(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)

# The arm64 build under user-mode emulation (.ci/run installs qemu); a
# package runs many times slower there, so it gets twice the default
# 10-minute timeout.
test-arm64:
	@command -v $(QEMU) >/dev/null || { echo "$(QEMU) not found: apt-get install -y qemu-user-static"; exit 1; }
	GOARCH=arm64 $(GO) test -short -timeout 20m -exec $(QEMU) $(PKGS)

# Statement coverage of the kernels package must stay >= COVER_MIN%.
cover:
	$(GO) test -short -coverprofile=/tmp/fisherflow-cover.out ./kernels >/dev/null
	@$(GO) tool cover -func=/tmp/fisherflow-cover.out | awk -v min=$(COVER_MIN) \
		'/^total:/ { sub("%","",$$3); printf "kernels coverage: %s%% (minimum %s%%)\n", $$3, min; if ($$3+0 < min) exit 1 }'

generate:
	$(GO) generate $(PKGS)

# Regenerating must not change any generated file.
check-generate:
	@gen() { grep -rlE --include='*.go' --include='*.s' '^// Code generated .* DO NOT EDIT\.$$' . | sort | xargs -r sha256sum; }; \
	before=$$(gen); $(GO) generate $(PKGS); after=$$(gen); \
	if [ "$$before" != "$$after" ]; then echo "go generate changed generated files:"; \
		diff <(echo "$$before") <(echo "$$after"); exit 1; fi; \
	echo "go generate: generated files are up to date"

test-long:
	FISHERFLOW_LONG=1 $(GO) test -timeout 60m -run . $(PKGS)

# Benchmarks of every kernel, path and precision; writes BENCHMARKS.md.
# GEMM and the training step run GEMM_ROUNDS times, each round followed by
# its peer (numpy's OpenBLAS; PyTorch), so that both sides see the same
# phases of this shared machine; the report takes medians. The peer runs with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset, which this machine sets to hold OpenBLAS to AVX2.
PEER_PY     ?= /usr/bin/python3
GEMM_ROUNDS ?= 2
STREAM_ROUNDS ?= 4
benchmarks: bench

bench:
	@mkdir -p bench/out
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./kernels ./kernels/gonumblas | tee bench/out/kernels.txt
	@# The streaming cases (2^24 elements, each with its own triad) again, so
	@# that the report takes the median of STREAM_ROUNDS + 1 runs: single runs
	@# moved by a quarter on this VM.
	@for i in $$(seq 1 $(STREAM_ROUNDS)); do \
		$(GO) test -run '^$$' -bench '^Benchmark(Sqrt|Square)$$/./f(32|64)/^n=16777216$$' -benchtime $(BENCHTIME) ./kernels >> bench/out/kernels.txt || exit 1; \
		$(GO) test -run '^$$' -bench '^BenchmarkGeometry$$/./^ToSphere$$/./^n=' -benchtime $(BENCHTIME) ./kernels >> bench/out/kernels.txt || exit 1; done
	@rm -f bench/out/gemm.txt bench/out/train.txt bench/out/peers.txt
	@for i in $$(seq 1 $(GEMM_ROUNDS)); do \
		if [ $$i -gt 1 ]; then $(GO) test -run '^$$' -bench '^BenchmarkGemm$$' -benchtime $(BENCHTIME) ./kernels >> bench/out/gemm.txt || exit 1; fi; \
		$(MAKE) --no-print-directory bench-peer-gemm >> bench/out/peers.txt; \
		$(GO) test -run '^$$' -bench '^Benchmark(TrainStep|Sample)$$' -benchtime 2s ./fisherflow >> bench/out/train.txt || exit 1; \
		$(MAKE) --no-print-directory bench-peer-train >> bench/out/peers.txt; done
	@for i in 1 2; do \
		$(GO) test -run '^$$' -bench '^BenchmarkPromoterStep$$' -benchtime 3x ./fisherflow >> bench/out/train.txt || exit 1; \
		$(MAKE) --no-print-directory bench-peer-promoter-step >> bench/out/peers.txt; done
	$(GO) test -run '^$$' -bench '^BenchmarkPromoterSample$$' -benchtime 1x ./fisherflow >> bench/out/train.txt
	$(MAKE) --no-print-directory bench-peer-promoter-sample >> bench/out/peers.txt
	$(MAKE) --no-print-directory bench-peer-molecules-check
	@for i in 1 2; do \
		$(GO) test -run '^$$' -bench '^BenchmarkMoleculeStep$$' -benchtime 20x ./bench/molstep >> bench/out/train.txt || exit 1; \
		$(MAKE) --no-print-directory bench-peer-molecules >> bench/out/peers.txt; done
	$(MAKE) --no-print-directory bench-peer-kernels >> bench/out/peers.txt
	$(MAKE) --no-print-directory bench-neon
	$(GO) run ./bench/cmd/benchreport -o BENCHMARKS.md -cmd "make bench" -append bench/out/neon.md bench/out/kernels.txt bench/out/gemm.txt bench/out/train.txt bench/out/peers.txt

# The NEON cost model (instructions per element under qemu, and a labelled
# projection): bench/out/neon.md, the last section of BENCHMARKS.md.
bench-neon:
	@command -v $(QEMU) >/dev/null || { echo "$(QEMU) not found: apt-get install -y qemu-user-static"; exit 1; }
	@command -v llvm-objdump >/dev/null || { echo "llvm-objdump not found: apt-get install -y llvm"; exit 1; }
	$(GO) run ./bench/cmd/neoncost -qemu $(QEMU) -o bench/out/neon.md

# The speed guard: ratios measured in one run (SIMD path / generic, GEMM /
# measured FMA peak, ours / gonum) against the floors in bench/floors.txt.
# The short version runs in make test (and so in CI).
bench-check:
	$(GO) run ./bench/cmd/benchcheck -count 5 -benchtime 200ms

bench-check-short:
	$(GO) run ./bench/cmd/benchcheck -count 3 -benchtime 50ms

# One round of the GEMM peer; says so when numpy or threadpoolctl is missing.
bench-peer-gemm:
	@if $(PEER_PY) -c 'import numpy, threadpoolctl' 2>/dev/null; then \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PEER_PY) bench/peers/gemm.py -count 1 -time 0.3; \
	else echo "# peer missing: $(PEER_PY) with numpy and threadpoolctl (make bench-peers-setup)" >&2; fi

# The elementwise (numpy) and transport (POT) peers; says so when numpy is
# missing (the script says so for POT).
bench-peer-kernels:
	@if $(PEER_PY) -c 'import numpy, threadpoolctl' 2>/dev/null; then \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PEER_PY) bench/peers/kernels.py -count 3 -time 0.2; \
	else echo "# peer missing: $(PEER_PY) with numpy and threadpoolctl (make bench-peers-setup)" >&2; fi

# One round of the training-step peer (PyTorch on CPU, the same BestMLP
# step, batch 512, float32, as many threads as cores); says so when torch
# is missing.
bench-peer-train:
	@if $(PEER_PY) -c 'import torch' 2>/dev/null; then for k in 40 160; do \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE $(PEER_PY) bench/peers/fisherflow_toy.py \
			-bench -bench-format go -k $$k -threads $$(nproc); \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE $(PEER_PY) bench/peers/fisherflow_toy.py \
			-bench-sample -bench-format go -k $$k -threads $$(nproc); done; \
	else echo "# peer missing: $(PEER_PY) with torch (make bench-peers-setup)" >&2; fi

# The promoter model's training step and generation in PyTorch (batch 8,
# L=1024, float32, as many threads as cores), the peers of
# BenchmarkPromoterStep and BenchmarkPromoterSample. make bench times the
# step in two rounds of three steps on each side, alternated (a single step
# of the peer ranged from 2.7 to 4.0 sequences/s across runs).
bench-peer-promoter: bench-peer-promoter-step bench-peer-promoter-sample

bench-peer-promoter-step:
	@if $(PEER_PY) -c 'import torch' 2>/dev/null; then \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE $(PEER_PY) bench/peers/fisherflow_promoter.py \
			-batch 8 -steps 3 -bench-format go -threads $$(nproc); \
	else echo "# peer missing: $(PEER_PY) with torch (make bench-peers-setup)" >&2; fi

bench-peer-promoter-sample:
	@if $(PEER_PY) -c 'import torch' 2>/dev/null; then \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE $(PEER_PY) bench/peers/fisherflow_promoter.py \
			-bench-sample -batch 8 -bench-format go -threads $$(nproc); \
	else echo "# peer missing: $(PEER_PY) with torch (make bench-peers-setup)" >&2; fi

# The molecule model's training step in PyTorch (bench/molstep's
# BenchmarkMoleculeStep: the default EGNN, 32 QM7 molecules, float32), at 1
# and 2 threads as the Go benchmark; PyTorch's OpenMP threads and its
# BLAS's pthreads are both set to the count. make bench alternates two
# rounds of 20 steps with the Go benchmark's, after the check that the peer
# computes what the Go network computes (bench-peer-molecules-check: one
# float64 step written by bench/cmd/molexport, recomputed to 1e-9).
bench-peer-molecules:
	@if $(PEER_PY) -c 'import torch, threadpoolctl' 2>/dev/null; then for t in 1 2; do \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE $(PEER_PY) bench/peers/fisherflow_molecules.py \
			-threads $$t -steps 20 -bench-format go || exit 1; done; \
	else echo "# peer missing: $(PEER_PY) with torch and threadpoolctl (make bench-peers-setup)" >&2; fi

bench-peer-molecules-check:
	@if $(PEER_PY) -c 'import torch' 2>/dev/null; then mkdir -p bench/out && \
		$(GO) run ./bench/cmd/molexport -o bench/out/molstep.safetensors && \
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PEER_PY) bench/peers/fisherflow_molecules.py -check bench/out/molstep.safetensors; \
	else echo "# peer missing: $(PEER_PY) with torch (make bench-peers-setup)" >&2; fi

# The Debian packages of the out-of-process peers. libopenblas0-pthread is
# the BLAS of numpy and of Debian's torch (through libblas.so.3): without
# it they fall back to the reference libblas3, several times slower.
bench-peers-setup:
	apt-get update && apt-get install -y python3-numpy python3-threadpoolctl python3-scipy python3-pot python3-torch libopenblas0-pthread

# The toy benchmark of the paper (Fig. 3): Fisher-Flow with and without
# exact OT and linear FM at every K, one fisherflow-train run per point,
# REPRO_JOBS runs at a time; rewrites the K-sweep section of REPRODUCTION.md
# and bench/plots/kl-vs-k.png. Resumable: run it again after an interruption.
# The binary is built with -buildvcs=true (this machine's GOFLAGS turn it off),
# so that every result.json names its commit.
# At the defaults it takes about 1.5 hours on 2 cores.
REPRO_STEPS ?= 3000
REPRO_SEEDS ?= 1
REPRO_EVAL  ?= 20480
REPRO_JOBS  ?= 2
REPRO_OUT   ?= runs/reproduce-toy
reproduce-toy:
	$(GO) build -buildvcs=true -o bin/fisherflow-train ./cmd/fisherflow-train
	$(GO) run ./bench/cmd/reproduce -train bin/fisherflow-train -out $(REPRO_OUT) -steps $(REPRO_STEPS) \
		-seeds $(REPRO_SEEDS) -eval-samples $(REPRO_EVAL) -jobs $(REPRO_JOBS) \
		-cmd "make reproduce-toy REPRO_STEPS=$(REPRO_STEPS) REPRO_SEEDS=$(REPRO_SEEDS) REPRO_EVAL=$(REPRO_EVAL)"

# Every Fuzz target of every package, FUZZTIME each, one at a time
# (-parallel FUZZPAR). Go minimizes every new input by trying each cut of
# it, quadratic in its size: a checkpoint or config.json spent the whole
# minute -fuzzminimizetime allows, with no new input run meanwhile, so it
# is off by default (a finding is kept as found). A failure that is only
# "context deadline exceeded" is Go's coordinator stopping at FUZZTIME,
# with no input written, and is reported without failing.
FUZZPAR      ?= 1
FUZZMINIMIZE ?= 0s
fuzz:
	@for p in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "== $$p $$f"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -parallel $(FUZZPAR) $$p 2>&1); rc=$$?; \
			echo "$$out" | grep -v '^fuzz: elapsed' ; echo "$$out" | grep '^fuzz: elapsed' | tail -n 1; \
			if [ $$rc -ne 0 ]; then \
				if echo "$$out" | grep -q 'Failing input written' || ! echo "$$out" | grep -q '^    context deadline exceeded$$'; then exit 1; fi; \
				echo "(Go's fuzzing stopped at the deadline with $$f mid-run: no failing input)"; fi; done; done

clean:
	rm -rf bench/out
