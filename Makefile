# rapport: GNU Makefile. `make` builds build/rapport; `make run` starts the demo;
# `make check` installs what is missing, builds, and runs every test suite.
# SAN=asan builds into build-asan with AddressSanitizer + UndefinedBehaviorSanitizer.

CC      ?= cc
SAN     ?=
PKGS    := libwebsockets jansson sqlite3 libsodium libuv libcurl
BUILD   := build$(if $(SAN),-$(SAN))

WARN    := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wno-unused-parameter
HARDEN  := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
ifeq ($(SAN),asan)
  OPT   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=all
  SANLD := -fsanitize=address,undefined
else ifeq ($(SAN),)
  OPT   := -O2 -g -D_FORTIFY_SOURCE=2
  SANLD :=
else
  $(error SAN must be empty or asan)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SANLD)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c))
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps deps-test run check unit benchbin api e2e bench clean fmt
all: $(BUILD)/rapport

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/rapport: $(OBJ) $(MAIN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test links every object, or, when tests/unit/test_X.mods exists, only the sources
# it lists (one per line): its module plus a small stub file (tests/unit/X_stubs.c) that
# stands in for what the module calls, so the test shows the module's real dependencies.
unit_objs = $(if $(wildcard tests/unit/$(1).mods),$(patsubst %.c,$(BUILD)/%.o,$(shell cat tests/unit/$(1).mods)),$(OBJ))
.SECONDEXPANSION:
.SECONDARY:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(call unit_objs,test_$$*) $$(wildcard tests/unit/test_$$*.mods)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call unit_objs,test_$*) $(LDLIBS) $(shell pkg-config --libs cmocka)

# bench/*.c programs (load generator, seeder, echo baseline, reads) link the shared objects
$(BUILD)/bench/%: bench/%.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS)

benchbin: $(BENCH_BIN)

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/rapport demo --data-dir ./demo-data

unit: $(UNIT_BIN)

check: deps-test
	@$(MAKE) --no-print-directory all unit benchbin
	@scripts/check.sh $(BUILD)

bench: deps-test
	@$(MAKE) --no-print-directory all benchbin
	@scripts/bench.sh $(BUILD)

clean:
	rm -rf build build-asan

fmt:
	clang-format -i src/*/*.[ch] src/*.c tests/unit/*.c

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(BENCH_BIN:=.d) $(UNIT_BIN:=.d) \
	$(wildcard $(BUILD)/tests/unit/*.d)
