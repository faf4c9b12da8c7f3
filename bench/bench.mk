# bench/bench.mk - `make bench-core`: morgue against a plain FTS5 baseline
# (bench/bench.c): build time, speed, index size and peak RSS of both, then
# the queries of bench/queries.txt in process (p50/p95/p99, queries/s) and
# as a process per query, each morgue figure as a ratio to the baseline's
# and the performance issue's targets.  The table goes to stdout and, as
# Markdown, to bench/results/latest.md and bench/results/DATE-GIT.md.
#   make bench-core [CORPUS=DIR] [BENCH_PASSES=5] [BENCH_OUT=bench/results]
# The default corpus is Reuters-21578 from $(SHARED); skipped when absent.

CORPUS       ?= $(SHARED)/reuters21578
BENCH_PASSES ?= 5
BENCH_OUT    ?= bench/results
BENCH_WORK   := build/bench-work

$(BUILD)/bench/bench: bench/bench.c $(BUILD)/libmorgue.a $(wildcard lib/*.h query/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/bench.c $(BUILD)/libmorgue.a $(LDLIBS)

.PHONY: bench-core
bench-core: $(PROGS) $(BUILD)/bench/bench
	@if [ ! -d "$(CORPUS)" ]; then \
	  echo "bench: skipped: $(CORPUS) not found"; exit 0; fi; \
	rm -rf $(BENCH_WORK) && mkdir -p $(BENCH_WORK) && \
	$(BUILD)/bench/bench --bin $(BINDIR) --corpus $(CORPUS) \
	  --work $(BENCH_WORK) --passes $(BENCH_PASSES) \
	  --queries bench/queries.txt --out $(BENCH_OUT)
