# gazetteer.mk - regenerate data/*.tsv, the named-entity gazetteers.
#
# Included from the main Makefile, or run alone from the repository root:
#     make -f scripts/gazetteer/gazetteer.mk gazetteer
# A normal build does not need this: the generated files are committed.
# Needs: Debian package iso-codes (apt-get install iso-codes), Node >= 20 and
# npm with access to the npm registry. See data/SOURCES.md.

GAZETTEER_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
ISO_CODES_DIR ?= /usr/share/iso-codes/json

.PHONY: gazetteer gazetteer-check gazetteer-deps

# Write data/*.tsv and data/SOURCES.md.
gazetteer: gazetteer-deps
	ISO_CODES_DIR=$(ISO_CODES_DIR) node $(GAZETTEER_DIR)/build.js

# Write nothing; fail if the committed data/ differs from what the inputs give.
gazetteer-check: gazetteer-deps
	ISO_CODES_DIR=$(ISO_CODES_DIR) node $(GAZETTEER_DIR)/build.js --check

gazetteer-deps:
	@test -r $(ISO_CODES_DIR)/iso_3166-1.json || { \
	  echo "gazetteer: $(ISO_CODES_DIR)/iso_3166-1.json not found;" \
	       "install the Debian package iso-codes (apt-get install iso-codes)" >&2; \
	  exit 1; }
	cd $(GAZETTEER_DIR) && npm ci --no-audit --no-fund
