# The fan-out client's test driver (engine/xapian/cluster.cc, cluster_test.cc)
# and its test, tests/cluster.sh: built only where Xapian is
# (pkg-config xapian-core); elsewhere `make test-cluster` says it is skipped.
# Included from the Makefile; uses its BUILD and LIB_A.
CXX      ?= c++
CLUSTER_TEST := $(BUILD)/engine/xapian/cluster_test

ifneq ($(shell pkg-config --exists xapian-core && echo yes),)
XAPIAN_CXXFLAGS := -std=c++17 -Wall -Wextra -Werror $(OPT) -g \
                   $(shell pkg-config --cflags xapian-core)
ifeq ($(SAN),1)
XAPIAN_CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
                   -fno-sanitize-recover=undefined
endif
XAPIAN_LIBS := $(shell pkg-config --libs xapian-core)

$(BUILD)/engine/xapian/%.o: engine/xapian/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(XAPIAN_CXXFLAGS) -Iengine/xapian -Ilib -MMD -MP -c $< -o $@

$(CLUSTER_TEST): $(BUILD)/engine/xapian/cluster_test.o $(BUILD)/engine/xapian/cluster.o $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(XAPIAN_LIBS) $(LDLIBS)

test-cluster: $(CLUSTER_TEST)
	bash tests/cluster.sh $(CLUSTER_TEST)

-include $(BUILD)/engine/xapian/cluster.d $(BUILD)/engine/xapian/cluster_test.d
else
test-cluster:
	@echo "test-cluster: skipped: Xapian not installed (pkg-config xapian-core)"
endif
.PHONY: test-cluster

# make e2e (and so make test, with SAN=1 too) runs it.
e2e: test-cluster
