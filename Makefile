# vgic-replay: record and replay the KVM/arm64 vGIC.
#
#   make            build build/vgic-replay (and ./vgic-replay, a link to it)
#   make deps       install the Debian packages the project needs (idempotent)
#   make test       deps + every test: unit, CLI, bad input, fuzz smoke, ASan/UBSan
#   make demo       find a lost interrupt and the seed bug in bundled real recordings
#   make bench      import throughput against SQLite's bare insert rate
#   make fuzz       run the fuzzers (importers, trace readers) for FUZZ_SECONDS each
#   make lab        the full lab matrix (real kernels under QEMU); lab-smoke: one run
#   make man        the man pages (docs/man/*.scd, scdoc) into build/man/
#   make install    binary, man pages, bash completion under DESTDIR/PREFIX; make uninstall
#   make deb        Debian packages: native (amd64) and the static arm64 binary
#   make clean
#
# V=1 shows the commands.

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
VERSION := $(shell sed -n 's/^\#define VR_VERSION "\(.*\)"/\1/p' common/vr_common.h)
PKGS    := sqlite3 libtracecmd libtraceevent libbpf json-c liblzma zlib libzstd libpq
STD     := -std=c11 -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ltracecmd -ltraceevent -lbpf -ljson-c -llzma -lz -lzstd -lpq) -lpthread
CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(PKG_CFLAGS) -I$(BUILD)/bpf $(CFLAGS)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: export-viewer-test
.PHONY: all cross deps test unit-test cli-test golden ui-test fuzz-smoke demo bench fuzz install uninstall clean lab lab-smoke \
	man man-test

# ---------------------------------------------------------------- sources

COMMON_SRC    := common/vr_common.c common/vr_clock.c
SCHEMA_SRC    := schemas/tracedb.c schemas/trace_writer.c schemas/trace_event.c schemas/trace_reader.c \
                 schemas/findings_store.c schemas/trace_listing.c schemas/tui_store.c schemas/trace_align.c \
                 schemas/pg_store.c
CAPTURE_SRC   := collector/capture/recorder.c collector/capture/record_core.c \
                 collector/capture/record_bpf.c collector/capture/bpf_hooks.c \
                 collector/capture/record_tracefs.c collector/capture/vgic_probes.c \
                 collector/capture/vcpu_register.c \
                 collector/capture/queue.c collector/capture/spool.c collector/capture/store.c \
                 collector/capture/flight.c collector/capture/flight_window.c \
                 collector/capture/live_source.c collector/capture/prog_misses.c \
                 collector/capture/vmm_process.c collector/capture/clock_offset.c \
                 collector/capture/watch.c collector/capture/watch_policy.c \
                 collector/capture/metrics.c collector/capture/flight_rec.c \
                 collector/capture/record_trace.c collector/capture/rec_encode.c
IMPORT_SRC    := collector/import/importer.c collector/import/import_core.c \
                 collector/import/import_ftrace.c collector/import/import_tracedat.c \
                 collector/import/ftrace_parse.c collector/import/decompress.c
COLLECTOR_SRC := $(IMPORT_SRC) $(CAPTURE_SRC)
REPLAY_SRC    := replay/driver.c replay/lifecycle.c replay/findings.c replay/model_findings.c \
                 replay/model.c replay/model_learn.c replay/model_inflight.c replay/model_dist.c \
                 replay/model_divergence.c replay/model_races.c replay/diagnose.c \
                 replay/export.c replay/export_html.c replay/v5_check.c
ENGINE_SRC    := engine/vgic_engine.c engine/profiles.c engine/guest_cpuif.c \
                 engine/registers.c engine/vgic_v5.c engine/vgic_mmio.c
CLI_SRC       := cli/vgic-replay.c cli/cli_args.c cli/cli_capture.c cli/cli_json.c cli/cmd_import.c cli/cmd_info.c cli/cmd_sql.c cli/cmd_check.c \
                 cli/cmd_report.c cli/cmd_probes.c cli/cmd_record.c cli/cmd_predict.c \
                 cli/cmd_tui.c cli/cmd_export.c cli/cmd_top.c
UI_SRC        := ui/tui.c ui/tui_run.c ui/timeline.c ui/screen.c ui/top.c ui/top_screen.c ui/top_model.c \
                 ui/top_trace.c ui/top_stream.c ui/top_from_trace.c ui/top_live.c
LIB_SRC       := $(COMMON_SRC) $(SCHEMA_SRC) $(COLLECTOR_SRC) $(REPLAY_SRC) $(ENGINE_SRC)
GEN_SRC       := $(BUILD)/gen/schema_sql.c

UNIT_TESTS    := test_ftrace_parse test_tracedb test_import test_decompress test_mutations test_engine test_gic_mmio test_flight \
                 test_spool test_live_source test_prog_misses test_watch \
                 test_timeline test_probes test_clock test_vcpu_register
HEADERS       := $(wildcard */*.h) $(wildcard collector/*/*.h)

all: $(BUILD)/vgic-replay vgic-replay $(BUILD)/libvgicengine.a

vgic-replay: $(BUILD)/vgic-replay
	$(Q)ln -sf $(BUILD)/vgic-replay $@

# The schema SQL is embedded in the binary as C strings.
$(BUILD)/gen/schema_sql.c: schemas/trace-v1.sql schemas/trace-v2.sql schemas/trace-v2-lr-writes.sql \
		schemas/trace-v3.sql schemas/trace-v1-index.sql scripts/embed-sql.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)scripts/embed-sql.sh vr_schema_sql schemas/trace-v1.sql > $@.tmp
	$(Q)scripts/embed-sql.sh vr_schema_v2_sql schemas/trace-v2.sql >> $@.tmp
	$(Q)scripts/embed-sql.sh vr_schema_lr_writes_sql schemas/trace-v2-lr-writes.sql >> $@.tmp
	$(Q)scripts/embed-sql.sh vr_schema_v3_sql schemas/trace-v3.sql >> $@.tmp
	$(Q)scripts/embed-sql.sh vr_schema_index_sql schemas/trace-v1-index.sql >> $@.tmp
	$(Q)mv $@.tmp $@

# Normal objects in build/obj, sanitizer objects in build/san.
$(BUILD)/obj/%.o: %.c $(HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/san/%.o: %.c $(HEADERS)
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) -O1 -c $< -o $@

objs = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(patsubst $(BUILD)/%,%,$(2)))

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@
$(BUILD)/san/gen/%.o: $(BUILD)/gen/%.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) -c $< -o $@

LIB_OBJ     := $(call objs,obj,$(LIB_SRC) $(GEN_SRC))
LIB_SAN_OBJ := $(call objs,san,$(LIB_SRC) $(GEN_SRC))

# The BPF collector: one CO-RE object for arm64 kernels, embedded as a libbpf skeleton.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_arm64 -Wall -Werror \
	-I/usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
$(BUILD)/bpf/vgic.bpf.o: collector/capture/vgic.bpf.c collector/capture/vgic.h schemas/event_kinds.h
	$(call msg,BPF,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)clang $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/bpf/vgic.skel.h: $(BUILD)/bpf/vgic.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)bpftool gen skeleton $< name vgic_bpf > $@.tmp && mv $@.tmp $@
SKEL_USERS := collector/capture/record_bpf.c collector/capture/bpf_hooks.c ui/top_live.c
$(call objs,obj,$(SKEL_USERS)) $(call objs,san,$(SKEL_USERS)): $(BUILD)/bpf/vgic.skel.h

# The engine as a library of its own: it depends on nothing else here.
$(BUILD)/libvgicengine.a: $(call objs,obj,$(ENGINE_SRC))
	$(call msg,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/vgic-replay: $(LIB_OBJ) $(call objs,obj,$(CLI_SRC) $(UI_SRC))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ -o $@ $(PKG_LIBS) -lncursesw

$(BUILD)/vgic-replay-san: $(LIB_SAN_OBJ) $(call objs,san,$(CLI_SRC) $(UI_SRC))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $^ -o $@ $(PKG_LIBS) -lncursesw

$(BUILD)/tests/%: $(LIB_OBJ) $(BUILD)/obj/tests/unit/%.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ -o $@ $(PKG_LIBS)

$(BUILD)/tests-san/%: $(LIB_SAN_OBJ) $(BUILD)/san/tests/unit/%.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $^ -o $@ $(PKG_LIBS)

# The golden capture's dump of the TUI's model (tests/golden).
$(BUILD)/tests/tl_dump: $(LIB_OBJ) $(BUILD)/obj/ui/timeline.o $(BUILD)/obj/ui/tui_run.o $(BUILD)/obj/tests/golden/tl_dump.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ -o $@ $(PKG_LIBS)

# top's model and its stream thread (no curses) are tested with the live stream.
$(BUILD)/tests/test_live_source: $(BUILD)/obj/ui/top_model.o $(BUILD)/obj/ui/top_stream.o
$(BUILD)/tests-san/test_live_source: $(BUILD)/san/ui/top_model.o $(BUILD)/san/ui/top_stream.o

# The TUI's model (no curses) is tested on its own.
$(BUILD)/tests/test_timeline: $(BUILD)/obj/ui/timeline.o
$(BUILD)/tests-san/test_timeline: $(BUILD)/san/ui/timeline.o

# ---------------------------------------------------------------- cross

# make cross: one static aarch64 vgic-replay for production hosts and the lab
# (record, probes, import of ftrace text, info, sql, check, report). Libraries
# come from Debian's arm64 -dev packages (multiarch); libtracecmd has no static
# library in Debian, so this build reads ftrace text but not trace.dat. It has
# no curses (no tui; top in batch mode only) and no libpq (no export --postgres).
CROSS_CC   := aarch64-linux-gnu-gcc
CROSS_DIR  := $(BUILD)/aarch64
CROSS_SRC  := $(filter-out collector/import/import_tracedat.c schemas/pg_store.c,$(LIB_SRC)) $(GEN_SRC) \
              $(filter-out cli/cmd_tui.c,$(CLI_SRC)) $(filter-out ui/tui.c ui/screen.c ui/top_screen.c,$(UI_SRC))
CROSS_OBJ  := $(patsubst %.c,$(CROSS_DIR)/%.o,$(patsubst $(BUILD)/%,%,$(CROSS_SRC)))
CROSS_CFLAGS := $(STD) $(WARN) -O2 -DVR_NO_TRACECMD -DVR_NO_TUI -DVR_NO_POSTGRES -I$(BUILD)/bpf $(CFLAGS)
CROSS_LIBS := -static -lsqlite3 -lbpf -lelf -ljson-c -llzma -lz -lzstd -lpthread -lm -ldl

$(CROSS_DIR)/%.o: %.c $(HEADERS) $(BUILD)/bpf/vgic.skel.h
	$(call msg,CROSS-CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CROSS_CC) $(CROSS_CFLAGS) -c $< -o $@
$(CROSS_DIR)/gen/%.o: $(BUILD)/gen/%.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CROSS_CC) $(CROSS_CFLAGS) -c $< -o $@
$(CROSS_DIR)/vgic-replay: $(CROSS_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CROSS_CC) $^ -o $@ $(CROSS_LIBS)

cross: $(CROSS_DIR)/vgic-replay

# ---------------------------------------------------------------- deps

deps:
	$(Q)scripts/deps.sh
	$(Q)if [ -x tests/lab/deps.sh ]; then tests/lab/deps.sh; fi

# ---------------------------------------------------------------- tests

# Sanitizer settings for every test: corrupt trace.dat headers make
# libtracecmd request absurd allocations, which must fail (NULL) rather
# than abort; its own leaks on those error paths are suppressed.
export ASAN_OPTIONS := allocator_may_return_null=1:abort_on_error=0
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/sanitizer.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

UNIT_BINS     := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
UNIT_SAN_BINS := $(addprefix $(BUILD)/tests-san/,$(UNIT_TESTS))

unit-test: $(UNIT_BINS) $(UNIT_SAN_BINS)
	$(Q)set -e; for t in $(UNIT_BINS) $(UNIT_SAN_BINS); do \
		echo "== $$t"; $$t tests/data; done

cli-test: $(BUILD)/vgic-replay $(BUILD)/vgic-replay-san $(BUILD)/tests/tl_dump $(BUILD)/tests/scn2trace
	$(Q)VR=$(abspath $(BUILD)/vgic-replay-san) VR_FAST=$(abspath $(BUILD)/vgic-replay) \
		TL_DUMP=$(abspath $(BUILD)/tests/tl_dump) SCN2TRACE=$(abspath $(BUILD)/tests/scn2trace) \
		tests/cli/run-all.sh

# make golden: capture again what check, predict, report and the TUI's model
# say of the corpus (tests/cli/t0620), when a change of output is intended.
golden: $(BUILD)/vgic-replay $(BUILD)/tests/tl_dump
	$(Q)rm -rf $(BUILD)/golden && tests/golden/capture.sh $(BUILD)/golden $(BUILD)/vgic-replay \
		$(BUILD)/tests/tl_dump
	$(Q)(cd $(BUILD)/golden && tar cf - --sort=name --owner=0 --group=0 --mtime=@0 . | xz -9) \
		> tests/golden/expected.tar.xz

# The trace mutator (tests/mutate): a library the mutation tests link, and
# build/tests/mutate to plant one mutation by hand (list, KIND SITE, run).
MUTATE_DEPS := $(call objs,obj,tests/mutate/mutate.c tests/mutate/main.c tests/unit/test_mutations.c) \
               $(call objs,san,tests/mutate/mutate.c tests/unit/test_mutations.c)
$(MUTATE_DEPS): tests/mutate/mutate.h
$(BUILD)/tests/test_mutations: $(BUILD)/obj/tests/mutate/mutate.o
$(BUILD)/tests-san/test_mutations: $(BUILD)/san/tests/mutate/mutate.o
$(BUILD)/tests/mutate: $(LIB_OBJ) $(BUILD)/obj/tests/mutate/mutate.o $(BUILD)/obj/tests/mutate/main.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ -o $@ $(PKG_LIBS)
unit-test: $(BUILD)/tests/mutate

ui-test: $(BUILD)/vgic-replay
	$(Q)tests/ui/run.sh $(BUILD)/vgic-replay

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-test engine-test cli-test ui-test fuzz-smoke lab-smoke lab-guide \
		man-test deb-test
	@echo "make test: all tests passed"

# ---------------------------------------------------------------- fuzzing

FUZZERS := fuzz_ftrace fuzz_tracedat fuzz_tracedb
FUZZ_CFLAGS = $(STD) $(WARN) -O1 -g $(PKG_CFLAGS) -I$(BUILD)/bpf -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(GEN_SRC) ui/timeline.c $(HEADERS) $(BUILD)/bpf/vgic.skel.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)clang $(FUZZ_CFLAGS) $< $(LIB_SRC) $(GEN_SRC) ui/timeline.c -o $@ $(PKG_LIBS)

fuzz-smoke: $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
	$(Q)tests/fuzz/run.sh smoke $(BUILD)/fuzz

fuzz: $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh long $(BUILD)/fuzz

# ---------------------------------------------------------------- demo, bench

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(BUILD)/vgic-replay

$(BUILD)/bench_import: bench/bench_import.c $(LIB_OBJ) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) bench/bench_import.c $(LIB_OBJ) -o $@ $(PKG_LIBS)

# The reference the import is compared with in the same run: vgic-replay
# built from BENCH_REF (default: where this branch left main; on main,
# give the commit before the change, e.g. make bench BENCH_REF=HEAD~3).
# Without git (a release tarball) the comparison is left out.
BENCH_REF ?= $(shell git merge-base HEAD main 2>/dev/null)
BENCH_REF_SHA := $(if $(BENCH_REF),$(shell git rev-parse --short=12 $(BENCH_REF) 2>/dev/null))
BENCH_REF_DIR := $(BUILD)/bench-ref/$(BENCH_REF_SHA)
BENCH_REF_VR := $(if $(BENCH_REF_SHA),$(BENCH_REF_DIR)/build/vgic-replay)

$(BENCH_REF_DIR)/build/vgic-replay:
	$(call msg,BUILD,$@ ($(BENCH_REF)))
	$(Q)rm -rf $(BENCH_REF_DIR) && mkdir -p $(BENCH_REF_DIR) && \
		git archive $(BENCH_REF_SHA) | tar -x -C $(BENCH_REF_DIR)
	$(Q)$(MAKE) --no-print-directory -C $(BENCH_REF_DIR) build/vgic-replay

bench: all $(BUILD)/bench_import $(BUILD)/bench_check bench-engine bench-tui $(BENCH_REF_VR)
	$(Q)BENCH_VR=$(abspath $(BUILD)/vgic-replay) BENCH_REF_VR=$(if $(BENCH_REF_VR),$(abspath $(BENCH_REF_VR))) \
		$(BUILD)/bench_import tests/data/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace
	$(Q)$(BUILD)/bench_check tests/data/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace

$(BUILD)/bench_check: bench/bench_check.c bench/bench_trace.c $(LIB_OBJ) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) bench/bench_check.c bench/bench_trace.c $(LIB_OBJ) -o $@ $(PKG_LIBS)

# The TUI's first screen and redraw times on a 10M-event trace (drawing to /dev/null).
$(BUILD)/bench_tui: bench/bench_tui.c bench/bench_trace.c $(LIB_OBJ) $(call objs,obj,$(UI_SRC)) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) bench/bench_tui.c bench/bench_trace.c $(LIB_OBJ) $(call objs,obj,$(UI_SRC)) \
		-o $@ $(PKG_LIBS) -lncursesw

bench-tui: $(BUILD)/bench_tui
	$(Q)$(BUILD)/bench_tui tests/data/lab/linux-7.2-gicv3-vhe-spi-burst-2vcpu/trace.txt.xz
	$(Q)$(BUILD)/bench_tui tests/data/lab/linux-7.2-gicv3-vhe-seed-trigger/trace.txt.xz 10000000 linux-6.19

# ---------------------------------------------------------------- engine

# The vGIC model's scenario suite (tests/engine/*.scn) and its benchmark,
# normal and under ASan/UBSan; libvgicengine.a is built by `all`.
ENGINE_SCN := $(wildcard tests/engine/*.scn)

$(BUILD)/engine/run_scenarios: tests/engine/run_scenarios.c $(BUILD)/libvgicengine.a $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $< $(BUILD)/libvgicengine.a -o $@

$(BUILD)/engine/run_scenarios-san: tests/engine/run_scenarios.c $(ENGINE_SRC) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) -O1 $< $(ENGINE_SRC) -o $@

# The synthetic trace generator: run_scenarios that writes a GICv5 scenario as a trace.
$(BUILD)/tests/scn2trace: tests/engine/run_scenarios.c $(LIB_OBJ) $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -DVR_SCN_TRACE $< $(LIB_OBJ) -o $@ $(PKG_LIBS)

engine-test: $(BUILD)/engine/run_scenarios $(BUILD)/engine/run_scenarios-san
	$(Q)$(BUILD)/engine/run_scenarios $(ENGINE_SCN)
	$(Q)$(BUILD)/engine/run_scenarios-san $(ENGINE_SCN)
	$(Q)sh tests/engine/check-version-table.sh

$(BUILD)/bench_engine: bench/bench_engine.c $(BUILD)/libvgicengine.a $(HEADERS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $< $(BUILD)/libvgicengine.a -o $@

bench-engine: $(BUILD)/bench_engine
	$(Q)$(BUILD)/bench_engine

.PHONY: engine-test bench-engine bench-tui

# ---------------------------------------------------------------- lab

-include tests/lab/lab.mk

# ---------------------------------------------------------------- install

# Man pages are written in scdoc (docs/man/NAME.SECTION.scd) and built to roff.
MAN_SRC := $(wildcard docs/man/*.scd)
MAN_OUT := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRC))

$(BUILD)/man/%: docs/man/%.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< | scdoc > $@

man: $(MAN_OUT)

# Every subcommand and option that --help prints is in its man page, and back.
# The export loaded by a real viewer's parser (Chrome DevTools' trace
# engine, from npm; needs node and npm, so it is not part of make test).
export-viewer-test: $(BUILD)/vgic-replay
	$(Q)tests/export/devtools-load.sh $(BUILD)/vgic-replay

man-test: $(BUILD)/vgic-replay $(MAN_OUT)
	$(Q)tests/man/check-manpages.sh $(BUILD)/vgic-replay docs/man $(BUILD)/man

# make install [PREFIX=/usr/local] [DESTDIR=] [VR_BIN=build/vgic-replay]
VR_BIN     ?= $(BUILD)/vgic-replay
BINDIR     := $(DESTDIR)$(PREFIX)/bin
MANDIR     := $(DESTDIR)$(PREFIX)/share/man
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

install: all man
	install -d $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(BASHCOMPDIR)
	install -m 0755 $(VR_BIN) $(BINDIR)/vgic-replay
	install -m 0644 $(filter %.1,$(MAN_OUT)) $(MANDIR)/man1/
	install -m 0644 $(filter %.5,$(MAN_OUT)) $(MANDIR)/man5/
	install -m 0644 scripts/vgic-replay.bash-completion $(BASHCOMPDIR)/vgic-replay

uninstall:
	rm -f $(BINDIR)/vgic-replay $(BASHCOMPDIR)/vgic-replay
	rm -f $(addprefix $(MANDIR)/man1/,$(notdir $(filter %.1,$(MAN_OUT))))
	rm -f $(addprefix $(MANDIR)/man5/,$(notdir $(filter %.5,$(MAN_OUT))))

# Debian packages (packaging/deb.mk): deb, deb-test.
-include packaging/deb.mk

clean:
	rm -rf $(BUILD) vgic-replay
