# morgue - full-text search for news archives.
# `make demo` and `make test` are all a newcomer needs (see README.md).

CC       ?= cc
PKGS     := sqlite3 libutf8proc jansson libxml-2.0 zlib
CRIT     := criterion
SAN      ?=
OPT      ?= -O2
CFLAGS   += -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lstemmer -lm

ifeq ($(SAN),1)
BUILD    := build/san
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
BINDIR   := $(BUILD)/bin
else
BUILD    := build/rel
BINDIR   := bin
endif

# Four layers, indexer/ -> store/ -> lib/ <- query/ (and query/ ->
# store/; docs/architecture.md): a static library each, each compiled with
# only the include paths it may use, so that an #include across the
# layering fails to compile.  Tests may use every layer.
LIB_SRC   := $(wildcard lib/*.c)
STO_SRC   := $(wildcard store/*.c)
IDX_SRC   := $(filter-out indexer/morgue_index.c,$(wildcard indexer/*.c))
GAZ_DATA  := $(wildcard data/*.tsv)
QRY_SRC   := $(filter-out query/morgue_query.c query/morgue_serve.c query/search_xapian.c query/search_xents.c,$(wildcard query/*.c))
LIB_INC   := -Ilib
STO_INC   := -Istore -Ilib
IDX_INC   := -Iindexer -Istore -Ilib
QRY_INC   := -Iquery -Istore -Ilib
TEST_INC  := -Ilib -Istore -Iindexer -Iquery
LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
STO_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(STO_SRC))
IDX_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(IDX_SRC)) $(BUILD)/indexer/gazetteer_data.o
QRY_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(QRY_SRC))
LIB_A     := $(BUILD)/liblib.a
STO_A     := $(BUILD)/libstore.a
IDX_A     := $(BUILD)/libindexer.a
QRY_A     := $(BUILD)/libquery.a
TEST_SRC  := $(filter-out tests/test_xapian.c tests/test_xapian_store.c tests/test_xapian_search.c,$(wildcard tests/test_*.c))
TEST_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC))
PROGS     := $(BINDIR)/morgue-index $(BINDIR)/morgue-query $(BINDIR)/morgue-serve

# The Xapian engine's shim (engine/xapian/: the project's only C++, behind
# the extern "C" engine/xapian/shim.h), built when Debian's libxapian-dev
# is there (XAPIAN=auto, the default), always (XAPIAN=1: an error without
# it) or never (XAPIAN=0).  Without it everything else builds as before
# and tests/test_xapian.c is left out.
XAPIAN   ?= auto
comma    := ,
CXX      ?= c++
ifeq ($(XAPIAN),auto)
HAVE_XAPIAN := $(shell pkg-config --exists xapian-core && echo 1)
else ifeq ($(XAPIAN),1)
HAVE_XAPIAN := 1
ifneq ($(shell pkg-config --exists xapian-core && echo 1),1)
$(error XAPIAN=1 but pkg-config finds no xapian-core: apt-get install libxapian-dev)
endif
else
HAVE_XAPIAN :=
endif
# the engine's library; the *_test.cc drivers have a main of their own
XAP_SRC   := $(filter-out %_test.cc,$(wildcard engine/xapian/*.cc))
XAP_OBJ   := $(patsubst %.cc,$(BUILD)/%.o,$(XAP_SRC))
XAP_A     := $(BUILD)/libxapianshim.a
XAP_INC   := -Iengine/xapian -Ilib
XAP_LIBS  := $(if $(HAVE_XAPIAN),$(shell pkg-config --libs xapian-core) -lstdc++)
CXXFLAGS  += -std=c++11 -Wall -Wextra -Werror $(OPT) -g \
             $(filter -fsanitize% -fno-omit% -fno-sanitize%,$(CFLAGS)) \
             $(shell pkg-config --cflags sqlite3) \
             $(if $(HAVE_XAPIAN),$(shell pkg-config --cflags xapian-core))
ifeq ($(HAVE_XAPIAN),1)
TEST_SRC  += tests/test_xapian.c tests/test_xapian_store.c tests/test_xapian_search.c
TEST_OBJ  += $(BUILD)/tests/test_xapian.o $(BUILD)/tests/test_xapian_store.o \
             $(BUILD)/tests/test_xapian_search.o
# query/search_xapian.c, the search over the engine (query/ and the
# engine's C header engine/xapian/query.h), only with the shim
QRY_OBJ   += $(BUILD)/query/search_xapian.o $(BUILD)/query/search_xents.o
TEST_INC  += -Iengine/xapian
TEST_XAP  := $(XAP_A)
endif

.PHONY: all deps demo serve test test-browser bench-http unit e2e test-crash test-prop soak soak-index test-san fuzz eval eval-relevance tune-ranking eval-entities eval-entities-dev entity-model bench bench-all bench-core bench-scale bench-entities bench-index-ab bench-incremental clean format lint

all: $(PROGS)

# Each object depends on the headers it includes (-MMD -MP writes them to
# a .d file next to the object; included below).
DEPFLAGS := -MMD -MP
$(BUILD)/lib/%.o:     INC := $(LIB_INC)
$(BUILD)/store/%.o:   INC := $(STO_INC)
$(BUILD)/indexer/%.o: INC := $(IDX_INC)
$(BUILD)/query/%.o:   INC := $(QRY_INC)
$(BUILD)/query/search_xapian.o: INC := $(QRY_INC) -Iengine/xapian
$(BUILD)/query/search_xents.o: INC := $(QRY_INC) -Iengine/xapian
# search_read.c hands a Xapian index's entities and similar to search_xents.c
$(BUILD)/query/search_read.o: CFLAGS += $(if $(HAVE_XAPIAN),-DMG_XAPIAN)
# search.c hands a Xapian index's searches to search_xapian.c
$(BUILD)/query/search.o: INC := $(QRY_INC) -Iengine/xapian
$(BUILD)/query/search.o: CFLAGS += $(if $(HAVE_XAPIAN),-DMG_XAPIAN)
$(BUILD)/tests/%.o:   INC := $(TEST_INC) $(shell pkg-config --cflags $(CRIT))
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) $(DEPFLAGS) -c $< -o $@
	@sh scripts/check_layers.sh $(@:.o=.d) $< $(filter -I%,$(INC)) || { rm -f $@; exit 1; }

# The gazetteer's TSV files are assembled into the program (.incbin).
$(BUILD)/indexer/gazetteer_data.o: indexer/gazetteer_data.S $(GAZ_DATA)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
$(STO_A): $(STO_OBJ)
$(IDX_A): $(IDX_OBJ)
$(QRY_A): $(QRY_OBJ)
$(LIB_A) $(STO_A) $(IDX_A) $(QRY_A):
	@rm -f $@
	ar rcs $@ $^

# store/xapian.c: the Xapian engine behind the store calls, compiled
# against the shim where it is built (else it says "not built"); only
# what calls store_open_as (morgue-index, the tests) links the shim.
$(BUILD)/store/xapian.o: INC := $(STO_INC) -Iengine/xapian
$(BUILD)/store/xapian.o: CFLAGS += $(if $(HAVE_XAPIAN),-DMG_XAPIAN)

$(BINDIR)/morgue-index: $(BUILD)/indexer/morgue_index.o $(IDX_A) $(STO_A) $(if $(HAVE_XAPIAN),$(XAP_A)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XAP_LIBS) -lpthread

$(BINDIR)/morgue-query: $(BUILD)/query/morgue_query.o $(QRY_A) $(STO_A) $(if $(HAVE_XAPIAN),$(XAP_A)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XAP_LIBS) -lpthread

$(BUILD)/query/morgue_serve.o: CFLAGS += $(shell pkg-config --cflags libmicrohttpd)
$(BINDIR)/morgue-serve: $(BUILD)/query/morgue_serve.o $(QRY_A) $(STO_A) $(if $(HAVE_XAPIAN),$(XAP_A)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libmicrohttpd) $(XAP_LIBS) -lpthread

$(BUILD)/tests/run: $(TEST_OBJ) $(IDX_A) $(QRY_A) $(STO_A) $(TEST_XAP) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs $(CRIT)) $(XAP_LIBS)

$(BUILD)/engine/xapian/%.o: engine/xapian/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(XAP_INC) $(DEPFLAGS) -c $< -o $@
	@sh scripts/check_layers.sh $(@:.o=.d) $< $(XAP_INC) || { rm -f $@; exit 1; }

$(XAP_A): $(XAP_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shim's indexing speed and size beside the FTS5 store's, the same
# articles through the same path (bench/xapian_load.c; NOTES-shim.md):
#   make bench-xapian-load [LOAD_CORPUS=corpus/]
LOAD_CORPUS ?= corpus/
$(BUILD)/bench/xapian_load: bench/xapian_load.c $(XAP_A) $(IDX_A) $(STO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(IDX_INC) -Iengine/xapian $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XAP_LIBS)
.PHONY: bench-xapian-load
bench-xapian-load: $(if $(HAVE_XAPIAN),$(BUILD)/bench/xapian_load)
	@if [ -z "$(HAVE_XAPIAN)" ]; then echo "bench-xapian-load: skipped: the Xapian shim is not built"; exit 0; fi; \
	w=build/xapian-load && rm -rf $$w && mkdir -p $$w && \
	$(BUILD)/bench/xapian_load --engine fts5 --db $$w/fts5.db $(LOAD_CORPUS) && \
	$(BUILD)/bench/xapian_load --engine xapian --db $$w/xapian $(LOAD_CORPUS) && \
	xapian-compact -m $$w/xapian $$w/xapian-compact >/dev/null && \
	du -sm $$w/xapian-compact

# Query latency of the Xapian engine beside FTS5 on the same articles
# (bench/xapian_query.c; NOTES-search.md has the commands and figures).
$(BUILD)/bench/xapian_query: bench/xapian_query.c $(QRY_A) $(XAP_A) $(STO_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QRY_INC) -Iengine/xapian $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XAP_LIBS)

# The shim alone (make xapian-shim; XAPIAN=0 says it is not built).
.PHONY: xapian-shim
xapian-shim: $(if $(HAVE_XAPIAN),$(XAP_A))
	@$(if $(HAVE_XAPIAN),echo "xapian-shim: $(XAP_A)",echo "xapian-shim: not built (no xapian-core: apt-get install libxapian-dev)")

deps:
	@sh scripts/deps.sh

demo: deps all
	@rm -f demo.db demo.db-wal demo.db-shm
	$(BINDIR)/morgue-index --db demo.db corpus/
	$(BINDIR)/morgue-query --db demo.db "inter-Korean summit Pyongyang"

# The search page over the demo's index: http://127.0.0.1:8080/
serve: deps all
	@$(BINDIR)/morgue-index --db demo.db --stats >/dev/null 2>&1 || \
	 { rm -f demo.db demo.db-wal demo.db-shm; $(BINDIR)/morgue-index --db demo.db corpus/; }
	$(BINDIR)/morgue-serve --db demo.db --web query/web

# The whole suite: unit tests and end-to-end tests, then the same again
# built with AddressSanitizer and UBSan.
test: deps
	@$(MAKE) --no-print-directory unit e2e test-prop
	@$(MAKE) --no-print-directory SAN=1 unit e2e test-prop STEPS=60
	@$(MAKE) --no-print-directory test-crash KILLS=3
	@if [ -x /usr/bin/chromium ]; then $(MAKE) --no-print-directory test-browser; \
	 else echo "test-browser: skipped: /usr/bin/chromium not installed"; fi

unit: $(BUILD)/tests/run
	cd tests && MORGUE_TEST_TMP=$${TMPDIR:-/tmp} ../$(BUILD)/tests/run --jobs 2

e2e: $(PROGS)
	sh tests/e2e.sh $(BINDIR)
	bash tests/api.sh $(BINDIR)
	bash tests/limits.sh $(BINDIR)
	bash tests/flood.sh $(BINDIR)
	bash tests/completion.sh $(BINDIR)
	$(if $(filter 1,$(SAN)),@echo "install: skipped under SAN=1 (make install installs the release build)",bash tests/install.sh $(BINDIR))

# The examples of docs/http-api.md written anew from a real run over
# corpus/ (tests/api.sh checks them).
.PHONY: http-api-doc
http-api-doc: $(PROGS)
	python3 scripts/http_api_examples.py $(BINDIR)

# The search page in headless Chromium (playwright-core from npm): search,
# highlights, the timeline, a facet click; screenshots in build/browser/.
test-browser: $(PROGS)
	sh tests/browser/run.sh $(BINDIR) build/browser

# morgue-index killed with SIGKILL at KILLS random moments while indexing
# Reuters-21578, then KILLS times in a --delete of 3000 keys and KILLS
# times in a --rebuild (tests/kill_more.sh; make test runs 3 of each;
# SEED=N replays a run)
KILLS ?= 20
test-crash: $(PROGS)
	@st=0; sh tests/kill_test.sh $(BINDIR) $(KILLS) $(SHARED)/reuters21578 || st=1; \
	sh tests/kill_more.sh $(BINDIR) $(KILLS) $(SHARED)/reuters21578 || st=1; exit $$st

# Property test: after each of STEPS random changes to a small archive,
# an incremental run (--prune) must give the same index as a fresh one
# (tests/incremental_prop.py; a new seed each run, printed; PROP_SEED=N
# replays one).  make test runs 300 steps, and 60 more under the
# sanitizers; make soak-index runs SOAK_STEPS.
STEPS ?= 300
SOAK_STEPS ?= 5000
soak-index: $(PROGS)
	python3 tests/incremental_prop.py $(BINDIR) --steps $(SOAK_STEPS) $(if $(PROP_SEED),--seed $(PROP_SEED))
test-prop: $(PROGS)
	python3 tests/incremental_prop.py $(BINDIR) --steps $(STEPS) $(if $(PROP_SEED),--seed $(PROP_SEED))

# morgue-serve under hostile clients for SOAK_SECONDS (tests/soak.py): a
# crowd of SOAK_CROWD slow connections from many addresses and from one,
# a prefix-search flood and requests over the size limits, while a
# well-behaved client must see p99 < 1 s and no error.  Over corpus/ and,
# when present, $(SHARED)/reuters21578.  Not in make test; it writes its
# figures into docs/operations.md.
SOAK_SECONDS ?= 60
SOAK_CROWD ?= 1100
soak: $(PROGS)
	python3 tests/soak.py $(BINDIR) corpus/ $(wildcard $(SHARED)/reuters21578) \
	    --seconds $(SOAK_SECONDS) --crowd $(SOAK_CROWD) \
	    --write-doc docs/operations.md

test-san:
	@$(MAKE) --no-print-directory SAN=1 unit e2e

# libFuzzer targets (clang), each run FUZZ_TIME seconds from its seed
# corpus under ASan and UBSan.  New inputs go to a scratch folder, so the
# committed seeds stay as they are.
FUZZ_TIME ?= 60
FUZZ_DIR  := build/fuzz
FUZZ_CC   := clang
FUZZ_BASE := -std=c11 -g -O1 -D_GNU_SOURCE \
              -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              $(shell pkg-config --cflags $(PKGS))
FUZZ_FLAGS := $(FUZZ_BASE) -fsanitize=fuzzer $(TEST_INC)
FUZZERS   := parse clean csv qparse api

# The four libraries built once with clang for the fuzzers
# (-fsanitize=fuzzer-no-link: instrumented, no libFuzzer main), each fuzz
# target linked against them.
FUZZ_OBJ  := $(FUZZ_DIR)/obj
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(LIB_SRC))
FUZZ_STO_OBJ := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(STO_SRC))
FUZZ_IDX_OBJ := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(IDX_SRC)) $(FUZZ_OBJ)/indexer/gazetteer_data.o
FUZZ_QRY_OBJ := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(QRY_SRC))
FUZZ_LIBS := $(FUZZ_OBJ)/libindexer.a $(FUZZ_OBJ)/libquery.a $(FUZZ_OBJ)/libstore.a $(FUZZ_OBJ)/liblib.a

$(FUZZ_OBJ)/lib/%.o:     INC := $(LIB_INC)
$(FUZZ_OBJ)/store/%.o:   INC := $(STO_INC)
$(FUZZ_OBJ)/indexer/%.o: INC := $(IDX_INC)
$(FUZZ_OBJ)/query/%.o:   INC := $(QRY_INC)
# search.c names the cluster client's C header (used only with the shim,
# which the fuzzers do not link: built without MG_XAPIAN)
$(FUZZ_OBJ)/query/search.o: INC := $(QRY_INC) -Iengine/xapian
$(FUZZ_OBJ)/store/xapian.o: INC := $(STO_INC) -Iengine/xapian
$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link $(INC) $(DEPFLAGS) -c $< -o $@
	@sh scripts/check_layers.sh $(@:.o=.d) $< $(filter -I%,$(INC)) || { rm -f $@; exit 1; }

$(FUZZ_OBJ)/indexer/gazetteer_data.o: indexer/gazetteer_data.S $(GAZ_DATA)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@

$(FUZZ_OBJ)/liblib.a: $(FUZZ_LIB_OBJ)
$(FUZZ_OBJ)/libstore.a: $(FUZZ_STO_OBJ)
$(FUZZ_OBJ)/libindexer.a: $(FUZZ_IDX_OBJ)
$(FUZZ_OBJ)/libquery.a: $(FUZZ_QRY_OBJ)
$(FUZZ_LIBS):
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DEPFLAGS) -o $@ $< $(FUZZ_LIBS) $(LDLIBS)

fuzz: $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZERS))
	@for f in $(FUZZERS); do \
	  rm -rf $(FUZZ_DIR)/new-$$f && mkdir -p $(FUZZ_DIR)/new-$$f && \
	  echo "fuzz_$$f: $(FUZZ_TIME) s" && \
	  ASAN_OPTIONS=detect_leaks=1 $(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_TIME) \
	    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
	    $(FUZZ_DIR)/new-$$f tests/fuzz/corpus/$$f 2>$(FUZZ_DIR)/fuzz_$$f.log || \
	  { tail -40 $(FUZZ_DIR)/fuzz_$$f.log; exit 1; }; \
	  grep -E "^#[0-9]+ *DONE" $(FUZZ_DIR)/fuzz_$$f.log | tail -1; \
	done

SHARED ?= ../shared/corpus

# Relevance: morgue-query on both engines (the FTS5 index and one built
# with --engine xapian) next to plain FTS5 and Xapian BM25 built from the
# same articles, on CNN known items, Reuters topics and the CISI, CRAN, MED
# and NPL collections (docs/relevance.md).  eval rewrites docs/relevance.md
# from its run; eval-relevance runs SETS (a comma list) and only prints.
# tune-ranking compares bm25 weightings on a sample.  Debian's python3, for
# its python3-xapian module.
PYTHON ?= /usr/bin/python3
SETS ?= known-item,topics,cisi,cran,med,npl
eval: $(PROGS)
	$(PYTHON) scripts/eval_relevance.py --bin $(BINDIR) --shared $(SHARED) \
	  --work build/eval-rel --json build/eval-rel/results.json \
	  --write-doc docs/relevance.md

eval-relevance: $(PROGS)
	$(PYTHON) scripts/eval_relevance.py --bin $(BINDIR) --shared $(SHARED) \
	  --work build/eval-rel --sets $(SETS) --json build/eval-rel/results.json

WEIGHTS ?= default
tune-ranking: $(PROGS)
	$(PYTHON) scripts/tune_ranking.py --bin $(BINDIR) --shared $(SHARED) \
	  --work build/tune-rel $(foreach w,$(WEIGHTS),--weights $(w))

# Entity extraction scored on the development set's stories, every name
# annotated (cross-validated, next to a capitalised-run baseline), then
# against Reuters-21578's PLACES, PEOPLE and ORGS tags and two hand-checked
# samples; the output is written to docs/entities-eval.md with the date and
# the commit.
eval-entities: $(PROGS)
	@if [ ! -d "$(SHARED)/reuters21578" ] || [ ! -d "$(SHARED)/bbc" ]; then \
	  echo "eval-entities: skipped: $(SHARED)/reuters21578 or bbc not found"; \
	  exit 0; fi; \
	mkdir -p build/eval && rm -f build/eval/reuters.db* && \
	python3 scripts/eval_entities_dev.py --bin $(BINDIR) --shared $(SHARED) \
	  --cv 5 | tee build/eval/dev.txt && echo && \
	$(BINDIR)/morgue-index --quiet --db build/eval/reuters.db \
	  $(SHARED)/reuters21578 && \
	{ python3 scripts/eval_entities.py --db build/eval/reuters.db \
	  --reuters $(SHARED)/reuters21578 --sample tests/data/entity-sample.tsv && \
	echo && echo "Held-out sample:" && \
	python3 scripts/eval_entities.py --db build/eval/reuters.db \
	  --reuters $(SHARED)/reuters21578 --sample tests/data/entity-heldout.tsv | \
	  sed -n '/^Precision/,$$p'; } | tee build/eval/reuters.txt && \
	python3 scripts/entities_eval_doc.py build/eval/dev.txt \
	  build/eval/reuters.txt docs/entities-eval.md

# The tagger's model, data/entity_model.tsv, trained again on the
# development set and the hand-checked Reuters sample (docs/entities.md).
entity-model: $(PROGS)
	python3 scripts/entity_train.py --bin $(BINDIR) --shared $(SHARED)

# What entity extraction adds to the indexing time of Reuters-21578: the
# same corpus indexed with and without --no-entities, fastest of RUNS each
# (docs/entities-eval.md).  The full benchmark is the performance issue's.
RUNS ?= 5
# The extractor against every person, place and organisation of the
# development set's stories (tests/data/entity-dev/, docs/entities.md),
# next to a capitalised-run baseline (scripts/eval_entities_dev.py).
eval-entities-dev: $(PROGS)
	@if [ ! -d "$(SHARED)/bbc" ]; then \
	  echo "eval-entities-dev: skipped: $(SHARED)/bbc not found"; exit 0; fi; \
	python3 scripts/eval_entities_dev.py --bin $(BINDIR) --shared $(SHARED)

# Indexing time of this build against BASE_BIN (another build's bin/),
# taking turns, fastest of RUNS each (bench/index_ab.sh).
bench-index-ab: $(PROGS)
	@if [ -z "$(BASE_BIN)" ]; then \
	  echo "bench-index-ab: set BASE_BIN to another build's bin/" >&2; exit 2; fi
	MORGUE_BIN=$(BINDIR) sh bench/index_ab.sh $(BASE_BIN) $(SHARED)/reuters21578 $(RUNS)

bench-entities: $(PROGS)
	MORGUE_BIN=$(BINDIR) sh bench/entity_overhead.sh $(SHARED)/reuters21578 $(RUNS)

# A second run over an unchanged Reuters-21578 against the first (issue 6:
# under 5%), and the same with --verify.
bench-incremental: $(PROGS)
	MORGUE_BIN=$(BINDIR) sh bench/incremental.sh $(SHARED)/reuters21578 $(RUNS)

# morgue-serve under wrk: 32 connections over a fixed mix of queries on
# Reuters-21578, alone and while reindexing (docs/http-api.md).
HTTP_SECONDS ?= 20
bench-http: $(PROGS)
	MORGUE_BIN=$(BINDIR) sh bench/http_load.sh $(SHARED)/reuters21578 $(HTTP_SECONDS)

# make bench: morgue against a plain FTS5 baseline on the same articles in
# the same run (bench-core), then morgue, plain FTS5 and Xapian at
# BENCH_SCALE_N (500,000) articles of the synthetic archive (bench-compare;
# bench/bench.mk, docs/performance.md); one after the other, never side by
# side.  bench-all adds the entity and incremental figures.  bench-scale
# indexes 100k, 300k and 1M articles of a synthetic archive
# (bench/gen-archive) and reports growth.
bench:
	@$(MAKE) --no-print-directory bench-core
	@$(MAKE) --no-print-directory bench-compare
bench-all: bench bench-entities bench-incremental
SCALE_SIZES ?= 100000 300000 1000000
bench-scale: $(PROGS) $(BUILD)/bench/bench
	MORGUE_BIN=$(BINDIR) MORGUE_BENCH=$(BUILD)/bench/bench sh bench/scale.sh $(SHARED)/reuters21578 "$(SCALE_SIZES)"

include scripts/gazetteer/gazetteer.mk

-include $(patsubst %.o,%.d,$(LIB_OBJ) $(STO_OBJ) $(IDX_OBJ) $(QRY_OBJ) $(TEST_OBJ) \
           $(BUILD)/indexer/morgue_index.o $(BUILD)/query/morgue_query.o \
           $(BUILD)/query/morgue_serve.o $(XAP_OBJ)) \
         $(patsubst %.o,%.d,$(FUZZ_LIB_OBJ) $(FUZZ_STO_OBJ) $(FUZZ_IDX_OBJ) $(FUZZ_QRY_OBJ)) \
         $(patsubst %,$(FUZZ_DIR)/fuzz_%.d,$(FUZZERS))

# make install / make uninstall, as a Debian package would lay it out:
# PREFIX (default /usr/local) and DESTDIR (a staging root) as usual, and
# the GNU directory variables for finer control.  The programs are the
# release build (never SAN=1); morgue-serve finds its page in
# $(datadir)/morgue/web (MORGUE_DATADIR below, also as share/morgue/web
# beside its bin/).  Man pages gzip -9n, as Debian ships them.
.PHONY: install uninstall test-install FORCE
PREFIX     ?= /usr/local
prefix     ?= $(PREFIX)
bindir     ?= $(prefix)/bin
datadir    ?= $(prefix)/share
mandir     ?= $(datadir)/man
man1dir    ?= $(mandir)/man1
docdir     ?= $(datadir)/doc/morgue
bashcompdir ?= $(datadir)/bash-completion/completions
INSTALL    ?= install
MORGUE_DATADIR := $(datadir)/morgue
VERSION    := $(shell sed -n 's/.*define MORGUE_VERSION "\(.*\)".*/\1/p' lib/util.h)
MAN_PAGES  := morgue-index morgue-query morgue-serve
# the files morgue-serve serves: those right in the folder
WEB_FILES  := $(sort $(shell find query/web -maxdepth 1 -type f))
DOC_FILES  := README.md $(wildcard docs/*.md)
UNITS      := $(wildcard dist/systemd/*.service dist/systemd/*.timer)
# What the man pages and the unit examples say where things are.
SUBST      := sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@DATADIR@|$(MORGUE_DATADIR)|g' \
              -e 's|@DOCDIR@|$(docdir)|g' -e 's|@BINDIR@|$(bindir)|g'

# The page's folder compiled into morgue-serve; the stamp changes (and
# morgue-serve is rebuilt) only when it does.
$(BUILD)/datadir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MORGUE_DATADIR)' | cmp -s - $@ || echo '$(MORGUE_DATADIR)' >$@
$(BUILD)/query/morgue_serve.o: $(BUILD)/datadir
$(BUILD)/query/morgue_serve.o: CFLAGS += -DMORGUE_DATADIR='"$(MORGUE_DATADIR)"'

ifeq ($(SAN),1)
install:
	@echo "make install installs the release build: run it without SAN=1" >&2; exit 2
else
install: $(PROGS)
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(MORGUE_DATADIR)/web \
	  $(DESTDIR)$(man1dir) $(DESTDIR)$(bashcompdir) $(DESTDIR)$(docdir)/examples
	$(INSTALL) -m 755 $(PROGS) $(DESTDIR)$(bindir)/
	$(INSTALL) -m 644 $(WEB_FILES) $(DESTDIR)$(MORGUE_DATADIR)/web/
	for p in $(MAN_PAGES); do \
	  $(SUBST) man/$$p.1.in | gzip -9n >$(DESTDIR)$(man1dir)/$$p.1.gz && \
	  chmod 644 $(DESTDIR)$(man1dir)/$$p.1.gz || exit 1; done
	$(INSTALL) -m 644 dist/bash-completion/morgue $(DESTDIR)$(bashcompdir)/morgue-query
	ln -sf morgue-query $(DESTDIR)$(bashcompdir)/morgue-index
	ln -sf morgue-query $(DESTDIR)$(bashcompdir)/morgue-serve
	$(INSTALL) -m 644 $(DOC_FILES) $(DESTDIR)$(docdir)/
	for u in $(UNITS); do \
	  $(SUBST) $$u >$(DESTDIR)$(docdir)/examples/$${u##*/} && \
	  chmod 644 $(DESTDIR)$(docdir)/examples/$${u##*/} || exit 1; done
endif

# The two tests of this part alone (make e2e runs them too): make install
# and uninstall in a staging folder, the man pages, the units; the
# completion (tests/install.sh, tests/completion.sh).
test-install: $(PROGS)
	bash tests/completion.sh $(BINDIR)
	bash tests/install.sh $(BINDIR)

# Removes what install put, and the folders of its own it made.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(notdir $(PROGS))) \
	  $(addprefix $(DESTDIR)$(MORGUE_DATADIR)/web/,$(notdir $(WEB_FILES))) \
	  $(patsubst %,$(DESTDIR)$(man1dir)/%.1.gz,$(MAN_PAGES)) \
	  $(addprefix $(DESTDIR)$(bashcompdir)/,$(MAN_PAGES)) \
	  $(addprefix $(DESTDIR)$(docdir)/,$(notdir $(DOC_FILES))) \
	  $(addprefix $(DESTDIR)$(docdir)/examples/,$(notdir $(UNITS)))
	for d in $(MORGUE_DATADIR)/web $(MORGUE_DATADIR) $(docdir)/examples $(docdir); do \
	  if [ -d $(DESTDIR)$$d ]; then rmdir --ignore-fail-on-non-empty $(DESTDIR)$$d || exit 1; fi; \
	done

clean:
	rm -rf build bin demo.db demo.db-wal demo.db-shm demo.db.lock

format:
	clang-format -i $(FORMAT_SRC)

# cppcheck, clang-tidy (.clang-tidy) layer by layer with each layer's
# include paths, clang-format (.clang-format) over every C file (`make
# format` rewrites what it reports), and no SQLite outside store/ but the
# one raw reader (scripts/check_raw.sh).
FORMAT_SRC := $(wildcard lib/*.[ch] store/*.[ch] indexer/*.[ch] query/*.[ch] tests/*.[ch] tests/fuzz/*.c bench/*.c engine/xapian/*.h engine/xapian/*.cc)
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --std=c11 --inline-suppr -D_GNU_SOURCE -Ilib -Istore -Iindexer -Iquery -Iengine/xapian lib store indexer query
	clang-tidy --quiet lib/*.c -- $(CFLAGS) $(LIB_INC)
	clang-tidy --quiet store/*.c -- $(CFLAGS) $(STO_INC) -Iengine/xapian $(if $(HAVE_XAPIAN),-DMG_XAPIAN)
	clang-tidy --quiet indexer/*.c -- $(CFLAGS) $(IDX_INC)
	clang-tidy --quiet query/*.c -- $(CFLAGS) $(QRY_INC) -Iengine/xapian \
	  $(if $(HAVE_XAPIAN),-DMG_XAPIAN) $(shell pkg-config --cflags libmicrohttpd)
	$(if $(HAVE_XAPIAN),cppcheck --quiet --error-exitcode=1 --enable=warning$(comma)performance$(comma)portability \
	  --std=c++17 $(XAP_INC) engine/xapian)
	$(if $(HAVE_XAPIAN),clang-tidy --quiet engine/xapian/*.cc -- -std=c++17 $(XAP_INC) \
	  $(shell pkg-config --cflags sqlite3))
	clang-format --dry-run --Werror $(FORMAT_SRC)
	sh scripts/check_raw.sh
include bench/bench.mk

include engine/xapian/cluster.mk

# morgue-index --engine xapian end to end (tests/xapian_index.sh; make e2e
# runs it): where morgue-index was built without Xapian it checks only that
# --engine xapian says "not built".
.PHONY: test-xapian-index
test-xapian-index: $(PROGS)
	sh tests/xapian_index.sh $(BINDIR)
e2e: test-xapian-index

# morgue-query/serve --db DIR on a Xapian index (tests/xapian_query.sh;
# make e2e runs it; it skips itself where Xapian is not built).
.PHONY: test-xapian-query
test-xapian-query: $(PROGS)
	sh tests/xapian_query.sh $(BINDIR)
e2e: test-xapian-query

# morgue-query/serve --cluster FILE over xapian-tcpsrv shards
# (tests/xapian_cluster.sh; make e2e runs it; it skips itself where Xapian
# or xapian-tcpsrv is not there).
.PHONY: test-xapian-cluster
test-xapian-cluster: $(PROGS)
	bash tests/xapian_cluster.sh $(BINDIR)
e2e: test-xapian-cluster

# Engine parity: the same archive (Reuters-21578's first two files from
# SHARED, else corpus/) in FTS5, one Xapian database and 3 shards behind
# xapian-tcpsrv; 300 random queries give the same answer from the database
# and the shards (tests/xapian_parity.py; make e2e runs it, 100 queries
# under SAN=1; it skips itself where Xapian or xapian-tcpsrv is not there).
.PHONY: test-xapian-parity
test-xapian-parity: $(PROGS)
	python3 tests/xapian_parity.py $(BINDIR) --shared $(SHARED) \
	  $(if $(filter 1,$(SAN)),--queries 100)
e2e: test-xapian-parity

# morgue-serve --cluster under shard faults (SIGKILL, a silent shard, a
# restarted replica; fail and partial; every query within its timeout,
# /healthz throughout) and its keep-alive of idle shard connections
# (tests/xapian_faults.py; make e2e runs it; it skips itself likewise).
.PHONY: test-xapian-faults
test-xapian-faults: $(PROGS)
	python3 tests/xapian_faults.py $(BINDIR)
e2e: test-xapian-faults

# Replication of morgue-built shards to read replicas with
# xapian-replicate-server and xapian-replicate, each replica behind its own
# xapian-tcpsrv (tests/xapian_replication.sh), and the replication path's
# lower-level checks (tests/replication.sh: readers held open, the server
# down, compaction; needs python3-xapian).  make e2e runs both; each skips
# itself, saying so, where the Xapian tools are not installed.
.PHONY: test-xapian-replication
test-xapian-replication: $(PROGS)
	bash tests/xapian_replication.sh $(BINDIR)
	sh tests/replication.sh
e2e: test-xapian-replication
