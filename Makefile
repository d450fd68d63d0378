# Front door to the CMake build. `make` builds build/loch (release),
# `make test` builds and runs every test, `make demo` runs the main job.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=

.PHONY: all build test test-asan demo bench soak fuzz clean

all: build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLOCH_SANITIZE=ON $(CMAKE_FLAGS)

# Unit and integration tests under AddressSanitizer + UBSan. DuckDB itself is
# not instrumented; ASan's leak checker is told to ignore its allocations.
test-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

demo: build
	scripts/demo $(BUILD)/loch

# Benchmarks print ratios against baselines measured in the same run; they
# are not part of `make test` (they take minutes and measure, not check).
bench: build
	cmake --build $(BUILD) -j $(JOBS) --target kafka_log_bench delta_bench kafka_produce_bench window_bench
	bench/kafka_broker_bench.sh $(BUILD)/loch $(BUILD)/bench/kafka_produce_bench 2000000
	$(BUILD)/bench/kafka_log_bench $(BUILD)/bench-data/kafka 5
	$(BUILD)/bench/delta_bench $(BUILD)/bench-data/delta 3
	cmake --build $(BUILD) -j $(JOBS) --target delta_write_bench
	$(BUILD)/bench/delta_write_bench $(BUILD)/bench-data/delta-write 3
	cmake --build $(BUILD) -j $(JOBS) --target delta_dml_bench
	$(BUILD)/bench/delta_dml_bench $(BUILD)/bench-data/delta-dml 3
	$(BUILD)/bench/window_bench 2000000 3
	bench/pipeline_bronze_bench.sh $(BUILD)/loch 3000000 3
	cmake --build $(BUILD) -j $(JOBS) --target decode_bench contract_producer
	$(BUILD)/bench/decode_bench 200000 3
	bench/contract_produce_bench.sh $(BUILD)/loch $(BUILD)/test-clients/contract_producer 500000 3
	cmake --build $(BUILD) -j $(JOBS) --target rate_producer
	bench/pipeline_freshness_bench.sh $(BUILD)/loch $(BUILD)/test-clients/rate_producer 50000 40

# The acceptance kill test at scale (not in `make test`: minutes): 1,000,000
# shop events, `loch pipeline run` killed with kill -9 at random moments at
# least 10 times and restarted; bronze exactly once, gold equals DuckDB SQL.
# Kills come 0.1-0.6 s into each run: on a quiet machine all 1M events are
# read in about 10 s of runs (native fetcher, bronze written in place), and
# with 0.2-1.2 s a run finished by itself after 8 kills (0.5-3 s: after 5).
SOAK_EVENTS ?= 1000000
SOAK_KILLS ?= 10
soak: build
	EVENTS=$(SOAK_EVENTS) KILLS=$(SOAK_KILLS) MIN_KILLS=$(SOAK_KILLS) BATCH_RECORDS=1000 KILL_AFTER_MS="100 600" \
	  bash tests/cli/pipeline_kill9.sh $(BUILD)/loch

# libFuzzer (clang) on the Kafka request and record-batch decoders, for
# FUZZ_SECONDS each (default 120).
FUZZ_SECONDS ?= 120
fuzz:
	FUZZ_TARGET=kafka_request fuzz/run $(FUZZ_SECONDS)
	FUZZ_TARGET=kafka_record_batch fuzz/run $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
