# gymhub - one Makefile for the daemon, the CLI, tests, benchmarks and install.
#
#   make demo      simulated workout in the terminal (the main job)
#   make check     unit and integration tests
#   make check-sanitize / check-valgrind / fuzz / format-check / bench
#   make install   DESTDIR and PREFIX honoured
#
# `make demo` and `make check` first make sure the Debian packages they need
# are there: as root on Debian they install what is missing with apt-get,
# otherwise they print the apt-get line to run.

.SECONDEXPANSION:
SHELL = /bin/bash

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
DBUSPOLICYDIR ?= /usr/share/dbus-1/system.d

CC      ?= cc
CFLAGS  ?= -O2 -g
# Our own flags live here so CFLAGS stays the user's.
GH_WARN   = -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	    -Wstrict-prototypes -Wswitch-enum -Wvla -Wno-unused-parameter
ifeq ($(WERROR),1)
GH_WARN  += -Werror
endif
GH_CFLAGS = $(GH_CFLAGS_EXTRA) -std=gnu17 $(GH_WARN) -D_GNU_SOURCE -pthread \
	    -DGYMHUB_DATADIR='"$(DATADIR)/gymhub"' \
	    -DGYMHUB_SYSCONFDIR='"$(SYSCONFDIR)/gymhub"' \
	    -Idaemon -I$(B)/gen -MMD -MP

# Sanitizer and fuzz builds live in their own build directories.
B ?= build
ifeq ($(SAN),1)
B := build/sanitize
GH_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined
GH_LDFLAGS += -fsanitize=address,undefined
endif

# ThreadSanitizer: the thread boundaries (rings, cue thread, store writer).
ifeq ($(TSAN),1)
B := build/tsan
GH_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
GH_LDFLAGS += -fsanitize=thread
endif

PKGS      = glib-2.0 gio-2.0 gio-unix-2.0 libgpiod sqlite3 libsystemd \
	    json-glib-1.0
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
GLIB_LIBS = $(shell pkg-config --libs glib-2.0 2>/dev/null)
GIO_LIBS  = $(shell pkg-config --libs gio-2.0 gio-unix-2.0 2>/dev/null)
GPIOD_LIBS = $(shell pkg-config --libs libgpiod 2>/dev/null)
SQLITE_LIBS = $(shell pkg-config --libs sqlite3 2>/dev/null)
SYSTEMD_LIBS = $(shell pkg-config --libs libsystemd 2>/dev/null)
JSON_LIBS = $(shell pkg-config --libs json-glib-1.0 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

ALL_CFLAGS = $(GH_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pthread $(GH_LDFLAGS) $(LDFLAGS)

# --- the pieces ------------------------------------------------------------
# Pure engines: no GLib. Each has a test linked to it alone.
ENGINE_OBJ  = $(B)/daemon/engine.o $(B)/daemon/cue.o
RING_OBJ    = $(B)/daemon/ring.o
BUZZER_OBJ  = $(B)/daemon/buzzer.o $(B)/daemon/buzzer-gpiod.o \
	      $(B)/daemon/buzzer-pwm.o $(B)/daemon/buzzer-sim.o
CUETHR_OBJ  = $(B)/daemon/cue-thread.o $(RING_OBJ) $(BUZZER_OBJ) \
	      $(B)/daemon/cue.o $(MOTION_STAGE_OBJ)
# Rep and hold detection, run by the cue thread (motion-stage.h says why).
MOTION_OBJ  = $(B)/daemon/motion-resample.o $(B)/daemon/biquad.o
REPDET_OBJ  = $(B)/daemon/rep-detect.o $(B)/daemon/motion-period.o \
	      $(MOTION_OBJ)
HOLDDET_OBJ = $(B)/daemon/hold-detect.o $(MOTION_OBJ)
MOTION_SYNTH_OBJ = $(B)/tests/motion-synth.o
MOTION_STAGE_OBJ = $(B)/daemon/motion-stage.o $(RING_OBJ) \
	      $(sort $(REPDET_OBJ) $(HOLDDET_OBJ))
# Glue and GLib-based modules.
CONFIG_OBJ  = $(B)/daemon/config.o $(B)/daemon/workout-file.o \
	      $(B)/daemon/keyfile-lines.o $(B)/daemon/bt-address.o
STORE_OBJ   = $(B)/daemon/store.o $(B)/daemon/store-schema.o
QUERY_OBJ   = $(B)/daemon/session-query.o $(B)/daemon/store-schema.o
EXPTIME_OBJ = $(B)/daemon/export-time.o
FIT_OBJ     = $(B)/daemon/fit-encode.o $(B)/daemon/export-fit.o \
	      $(B)/daemon/export-timeline.o $(EXPTIME_OBJ)
TCX_OBJ     = $(B)/daemon/export-tcx.o $(B)/daemon/export-timeline.o \
	      $(EXPTIME_OBJ)
EXPORT_OBJ  = $(B)/daemon/export-csv.o $(B)/daemon/export-json.o \
	      $(B)/daemon/export-file.o \
	      $(sort $(FIT_OBJ) $(TCX_OBJ))
HRS_OBJ     = $(B)/daemon/hrs.o
BUTTONS_OBJ = $(B)/daemon/buttons.o $(B)/daemon/button-press.o
ZONE_OBJ    = $(B)/daemon/hr-zone.o
BLUEZ_OBJ   = $(B)/daemon/bluez.o $(B)/daemon/bluez-agent.o \
	      $(B)/daemon/bt-address.o $(B)/daemon/sensor-name.o
IMU_OBJ     = $(B)/daemon/gymhub-imu.o
SENSORS_OBJ = $(B)/daemon/sensors.o $(BLUEZ_OBJ) $(HRS_OBJ) $(ZONE_OBJ) \
	      $(IMU_OBJ) \
	      $(QUERY_OBJ)
GEN_OBJ     = $(B)/gen/hub1-generated.o

GYMHUBD_OBJ = $(B)/daemon/main.o $(B)/daemon/hub.o $(GEN_OBJ) \
	      $(B)/daemon/auto-export.o $(BUTTONS_OBJ) \
	      $(sort $(ENGINE_OBJ) $(CUETHR_OBJ) $(CONFIG_OBJ) $(STORE_OBJ) \
		     $(SENSORS_OBJ) $(EXPORT_OBJ))
GYMHUBCTL_OBJ = $(B)/hub-ui/gymhubctl.o $(B)/hub-ui/ctl-sensors.o \
	      $(B)/daemon/bt-address.o $(GEN_OBJ) $(HRS_OBJ) $(IMU_OBJ) \
	      $(sort $(QUERY_OBJ) $(EXPORT_OBJ))

GYMHUBD_LIBS = $(GIO_LIBS) $(GPIOD_LIBS) $(SQLITE_LIBS) $(SYSTEMD_LIBS) \
	       $(JSON_LIBS)
GYMHUBCTL_LIBS = $(GIO_LIBS) $(SQLITE_LIBS) $(JSON_LIBS)

PROGRAMS = $(B)/gymhubd $(B)/gymhubctl

UNIT_TESTS = $(B)/tests/test-engine $(B)/tests/test-ring \
	     $(B)/tests/test-cue-thread $(B)/tests/test-config \
	     $(B)/tests/test-store $(B)/tests/test-export \
	     $(B)/tests/test-fit $(B)/tests/test-tcx $(B)/tests/test-hrs \
	     $(B)/tests/test-motion-stage $(B)/tests/test-rep-detect \
	     $(B)/tests/test-hold-detect $(B)/tests/test-button-press \
	     $(B)/tests/test-gymhub-imu $(B)/tests/test-sensor-name
INTEGRATION_TESTS = $(B)/tests/test-daemon $(B)/tests/test-fake-bluez \
		    $(B)/tests/test-sensors $(B)/tests/crash-loop \
		    $(B)/tests/fault-loop
# Parsers of outside bytes: a libFuzzer target each (make fuzz), whose kept
# corpus make check replays through a plain driver.
FUZZ_TARGETS = config workout-file hrs gymhub-imu sensor-name
FUZZ_REPLAYS = $(FUZZ_TARGETS:%=$(B)/tests/fuzz/replay-%)
FUZZ_OBJ_config = $(CONFIG_OBJ)
FUZZ_OBJ_workout-file = $(CONFIG_OBJ) $(ENGINE_OBJ)
FUZZ_OBJ_hrs = $(HRS_OBJ)
FUZZ_OBJ_gymhub-imu = $(IMU_OBJ)
FUZZ_OBJ_sensor-name = $(B)/daemon/sensor-name.o
BENCHES = $(B)/tests/bench-cues $(B)/tests/bench-export \
	  $(B)/tests/bench-sensors $(B)/tests/bench-reps

# --- gymhub-display (hub-ui/): the small display ------------------------
#
# cairo is needed by the display only: its flags stay in this file's own
# variables and reach only the objects that draw.
HD_CAIRO_CFLAGS = $(shell pkg-config --cflags cairo 2>/dev/null)
HD_CAIRO_LIBS   = $(shell pkg-config --libs cairo 2>/dev/null)

HD_STATE_OBJ   = $(B)/hub-ui/display-state.o
HD_RENDER_OBJ  = $(B)/hub-ui/render.o $(B)/hub-ui/font.o $(HD_STATE_OBJ)
HD_SSD1306_OBJ = $(B)/hub-ui/ssd1306.o
HD_FBDEV_OBJ   = $(B)/hub-ui/fbdev.o
HD_TERM_OBJ    = $(B)/hub-ui/term.o
HD_BACKEND_OBJ = $(B)/hub-ui/display-backend.o $(HD_SSD1306_OBJ) \
		 $(HD_FBDEV_OBJ) $(HD_TERM_OBJ)
HD_FIXTURE_OBJ = $(B)/tests/display-fixtures.o

GYMHUB_DISPLAY_OBJ = $(B)/hub-ui/gymhub-display.o $(HD_RENDER_OBJ) \
		     $(HD_BACKEND_OBJ) $(CONFIG_OBJ)

# Every object that includes cairo.h or a hub-ui header.
HD_OBJS = $(sort $(HD_RENDER_OBJ) $(HD_BACKEND_OBJ) $(HD_FIXTURE_OBJ) \
	  $(B)/hub-ui/gymhub-display.o $(B)/tests/test-render.o \
	  $(B)/tests/test-ssd1306.o $(B)/tests/test-display-client.o \
	  $(B)/tests/test-display-backends.o \
	  $(B)/tests/bench-display.o $(B)/tests/fake-hub.o)
$(HD_OBJS): GH_CFLAGS += -Ihub-ui $(HD_CAIRO_CFLAGS)

PROGRAMS += $(B)/gymhub-display
# test-button-press (daemon/button-press.c) is in the Makefile already.
UNIT_TESTS += $(B)/tests/test-render $(B)/tests/test-ssd1306 \
	      $(B)/tests/test-display-backends
INTEGRATION_TESTS += $(B)/tests/test-display-client
BENCHES += $(B)/tests/bench-display

$(B)/gymhub-display: $(GYMHUB_DISPLAY_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(HD_CAIRO_LIBS)

$(B)/tests/test-render: $(B)/tests/test-render.o $(HD_FIXTURE_OBJ) \
		$(HD_RENDER_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HD_CAIRO_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-ssd1306: $(B)/tests/test-ssd1306.o $(HD_FIXTURE_OBJ) \
		$(HD_SSD1306_OBJ) $(HD_RENDER_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HD_CAIRO_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-display-backends: $(B)/tests/test-display-backends.o \
		$(HD_FIXTURE_OBJ) $(HD_BACKEND_OBJ) $(HD_RENDER_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HD_CAIRO_LIBS) $(CMOCKA_LIBS)
# The fake org.gymhub.Hub1 the client test starts and stops.
$(B)/tests/fake-hub.o: $(B)/gen/hub1-generated.h
$(B)/tests/fake-hub: $(B)/tests/fake-hub.o $(GEN_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS)
$(B)/tests/test-display-client: $(B)/tests/test-display-client.o \
		| $(B)/tests/fake-hub $(B)/gymhub-display
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(HD_CAIRO_LIBS) \
		$(CMOCKA_LIBS)
$(B)/tests/bench-display: $(B)/tests/bench-display.o $(HD_FIXTURE_OBJ) \
		$(HD_SSD1306_OBJ) $(HD_FBDEV_OBJ) $(HD_TERM_OBJ) \
		$(HD_RENDER_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HD_CAIRO_LIBS)

# Work in progress keeps its build rules in mk/*.mk until it is merged here.
-include $(wildcard mk/*.mk)

# --- build -----------------------------------------------------------------
.PHONY: all
all: $(PROGRAMS)

$(B)/gen/hub1-generated.c: daemon/org.gymhub.Hub1.xml
	@mkdir -p $(@D)
	cd $(@D) && gdbus-codegen --interface-prefix org.gymhub. \
		--c-namespace Gh --c-generate-autocleanup all \
		--generate-c-code hub1-generated $(abspath $<)
$(B)/gen/hub1-generated.h: $(B)/gen/hub1-generated.c

# Generated code is not ours to keep warning-free.
$(B)/gen/hub1-generated.o: $(B)/gen/hub1-generated.c
	$(CC) $(filter-out -W%,$(ALL_CFLAGS)) -w -c -o $@ $<

$(B)/daemon/main.o $(B)/daemon/hub.o $(B)/daemon/sensors.o \
$(B)/hub-ui/gymhubctl.o $(B)/hub-ui/ctl-sensors.o $(B)/tests/test-daemon.o: \
	$(B)/gen/hub1-generated.h

# The install paths are compiled in: objects that use them are rebuilt when
# they change (make; sudo make install PREFIX=/usr must not mix the two).
PATHS = $(DATADIR) $(SYSCONFDIR)
$(B)/paths.stamp: FORCE
	@mkdir -p $(@D); echo '$(PATHS)' | cmp -s - $@ || echo '$(PATHS)' > $@
$(B)/daemon/config.o $(B)/daemon/main.o $(B)/tests/test-config.o: \
	$(B)/paths.stamp
.PHONY: FORCE
FORCE:

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gymhubd: $(GYMHUBD_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GYMHUBD_LIBS) -lm
$(B)/gymhubctl: $(GYMHUBCTL_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GYMHUBCTL_LIBS)

$(B)/tests/test-engine: $(B)/tests/test-engine.o $(ENGINE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-ring: $(B)/tests/test-ring.o $(RING_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-cue-thread: $(B)/tests/test-cue-thread.o $(CUETHR_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GPIOD_LIBS) $(CMOCKA_LIBS) -lm
$(B)/tests/test-motion-stage: $(B)/tests/test-motion-stage.o \
		$(MOTION_STAGE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) -lm
$(B)/tests/test-rep-detect: $(B)/tests/test-rep-detect.o $(MOTION_SYNTH_OBJ) \
		$(REPDET_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) -lm
$(B)/tests/test-hold-detect: $(B)/tests/test-hold-detect.o \
		$(MOTION_SYNTH_OBJ) $(HOLDDET_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) -lm
# bench-reps DIR: the recorded sets of ../shared/data/reps (not shipped).
$(B)/tests/bench-reps: $(B)/tests/bench-reps.o $(MOTION_SYNTH_OBJ) \
		$(REPDET_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm
$(B)/tests/test-button-press: $(B)/tests/test-button-press.o \
		$(B)/daemon/button-press.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-gymhub-imu: $(B)/tests/test-gymhub-imu.o $(IMU_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-sensor-name: $(B)/tests/test-sensor-name.o \
		$(B)/daemon/sensor-name.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-config: $(B)/tests/test-config.o $(CONFIG_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-store: $(B)/tests/test-store.o $(sort $(STORE_OBJ) $(QUERY_OBJ))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-export: $(B)/tests/test-export.o $(EXPORT_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(JSON_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-fit: $(B)/tests/test-fit.o $(FIT_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/test-tcx: $(B)/tests/test-tcx.o $(TCX_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/bench-export: $(B)/tests/bench-export.o $(EXPORT_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSON_LIBS) $(GLIB_LIBS)
$(B)/tests/test-hrs: $(B)/tests/test-hrs.o $(HRS_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(B)/tests/fake-bluez: $(B)/tests/fake-bluez.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) -lm
$(B)/tests/test-fake-bluez: $(B)/tests/test-fake-bluez.o | $(B)/tests/fake-bluez
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-sensors: $(B)/tests/test-sensors.o $(B)/tests/harness.o \
		$(QUERY_OBJ) | $(B)/tests/fake-bluez $(PROGRAMS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/crash-loop: $(B)/tests/crash-loop.o $(B)/tests/harness.o \
		| $(B)/tests/fake-bluez $(PROGRAMS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/fault-loop: $(B)/tests/fault-loop.o $(B)/tests/harness.o \
		| $(B)/tests/fake-bluez $(PROGRAMS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/bench-sensors: $(B)/tests/bench-sensors.o $(B)/tests/harness.o \
		| $(B)/tests/fake-bluez $(PROGRAMS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test-daemon: $(B)/tests/test-daemon.o $(QUERY_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GIO_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
$(B)/tests/fuzz/replay-%: $(B)/tests/fuzz/replay.o $(B)/tests/fuzz/fuzz-%.o \
		$$(FUZZ_OBJ_$$*)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS)

$(B)/tests/bench-cues: $(B)/tests/bench-cues.o $(CUETHR_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GPIOD_LIBS) -lm

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# --- dependencies ----------------------------------------------------------
DEB_DEPS = gcc make pkg-config libglib2.0-dev libglib2.0-dev-bin \
	   libgpiod-dev libsqlite3-dev libsystemd-dev libcmocka-dev \
	   libjson-glib-dev dbus-daemon sqlite3 libxml2-utils libcairo2-dev
DEB_DEPS_EXTRA_check-valgrind = valgrind
DEB_DEPS_EXTRA_fuzz = clang libclang-rt-14-dev
DEB_DEPS_EXTRA_format-check = clang-format

.PHONY: deps
deps:
	@missing=""; for p in $(DEB_DEPS) $(EXTRA_DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
			grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v dpkg-query >/dev/null; then \
		echo "gymhub: not a Debian system; install:$$missing"; exit 1; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "gymhub: installing build dependencies:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing || \
		{ apt-get update && apt-get install -y --no-install-recommends $$missing; } || exit 1; \
	else \
		echo "gymhub: missing build dependencies. Run:"; \
		echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

# --- user-facing targets ---------------------------------------------------
.PHONY: demo check check-sanitize check-tsan check-crash check-faults \
	check-valgrind fuzz bench \
	eval-reps \
	format-check

# libFuzzer (clang) for FUZZ_SECONDS per target; new inputs land in
# build/fuzz/corpus-NAME; copy the interesting ones into tests/fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=undefined
fuzz:
	+@$(MAKE) --no-print-directory EXTRA_DEPS="clang libclang-rt-14-dev" deps
	+@$(MAKE) --no-print-directory CC=clang B=build/fuzz \
		GH_CFLAGS_EXTRA="-fsanitize=fuzzer-no-link,address,undefined" \
		$(FUZZ_TARGETS:%=build/fuzz/tests/fuzz/fuzz-%.o) \
		$(sort $(subst $(B)/,build/fuzz/,$(foreach t,$(FUZZ_TARGETS),$(FUZZ_OBJ_$(t)))))
	@for t in $(FUZZ_TARGETS); do \
		objs=$$($(MAKE) --no-print-directory -s B=build/fuzz print-fuzz-obj-$$t); \
		clang $(FUZZ_CFLAGS) -o build/fuzz/fuzz-$$t build/fuzz/tests/fuzz/fuzz-$$t.o \
			$$objs $(GLIB_LIBS) || exit 1; \
		mkdir -p build/fuzz/corpus-$$t; \
		echo "== fuzz-$$t for $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 build/fuzz/corpus-$$t \
			tests/fuzz/corpus/$$t 2>&1 | \
			grep -E 'stat::number_of_executed_units|ERROR|crash|Done' ; \
		[ $${PIPESTATUS[0]:-0} -eq 0 ] || exit 1; \
	done
print-fuzz-obj-%:
	@echo $(FUZZ_OBJ_$*)
demo: deps
	+@$(MAKE) --no-print-directory all $(B)/tests/fake-bluez
	@B=$(B) sh hub-ui/gymhub-demo

check: deps fitsdk
	+@$(MAKE) --no-print-directory run-tests

check-sanitize: deps fitsdk
	+@$(MAKE) --no-print-directory SAN=1 run-tests

# The lock-free boundary between the main loop and the low-latency thread
# (SPSC rings, the cue thread), under ThreadSanitizer (gcc). The store's
# writer thread is left out: GLib 2.74's GMutex and GAsyncQueue use futexes
# directly, which TSan cannot see, so it reports every handover through
# them as a race.
TSAN_TESTS = $(B)/tests/test-ring $(B)/tests/test-cue-thread \
	     $(B)/tests/test-motion-stage
check-tsan: deps
	+@$(MAKE) --no-print-directory TSAN=1 \
		UNIT_TESTS="$(subst $(B)/,build/tsan/,$(TSAN_TESTS))" \
		INTEGRATION_TESTS= PROGRAMS= FUZZ_TARGETS= run-tests

# Rep counting on recorded sets: make eval-reps DATA=../shared/data/reps
eval-reps:
	@[ -n "$(DATA)" ] || { echo "usage: make eval-reps DATA=DIR" \
		"(sets.csv and sets/, as ../shared/data/reps)"; exit 2; }
	+@$(MAKE) --no-print-directory $(B)/tests/bench-reps
	@$(B)/tests/bench-reps $(DATA) | awk -f tests/eval-reps.awk

# SIGKILL at random moments of 200 sessions; prints what each kept.
check-crash: deps
	+@$(MAKE) --no-print-directory all $(B)/tests/crash-loop
	GYMHUB_BUILD=$(B) GYMHUB_CRASH_CYCLES=200 $(B)/tests/crash-loop

# Faults, at full size (make check runs both loops briefly): 200 SIGKILLs,
# and 100 dropouts of each of four sensors plus bluetoothd restarts and
# adapter power cycles during one session. Figures in docs/RELIABILITY.md.
check-faults: deps
	+@$(MAKE) --no-print-directory all $(B)/tests/crash-loop \
		$(B)/tests/fault-loop
	GYMHUB_BUILD=$(B) GYMHUB_CRASH_CYCLES=200 $(B)/tests/crash-loop
	GYMHUB_BUILD=$(B) GYMHUB_FAULT_CYCLES=100 $(B)/tests/fault-loop

check-valgrind: fitsdk
	+@$(MAKE) --no-print-directory EXTRA_DEPS=valgrind deps
	+@$(MAKE) --no-print-directory VALGRIND=1 run-tests

# test-fit checks every FIT file it writes with Garmin's own decoder, the
# official JavaScript FIT SDK, installed once from npm into build/node.
FITSDK_VERSION = 21.217.0
.PHONY: fitsdk
fitsdk:
	@[ -f build/node/node_modules/@garmin/fitsdk/package.json ] && exit 0; \
	if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y \
				--no-install-recommends nodejs npm || exit 1; \
		else echo "gymhub: the FIT check needs node and npm. Run:"; \
			echo "  sudo apt-get install -y nodejs npm"; exit 1; fi; \
	fi; \
	echo "gymhub: installing Garmin's FIT SDK $(FITSDK_VERSION) (npm) into build/node"; \
	mkdir -p build/node && npm install --no-audit --no-fund --silent \
		--prefix build/node @garmin/fitsdk@$(FITSDK_VERSION)

bench: deps
	+@$(MAKE) --no-print-directory $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

format-check:
	+@$(MAKE) --no-print-directory EXTRA_DEPS=clang-format deps
	@files=$$(git ls-files '*.c' '*.h' 2>/dev/null || \
		find daemon hub-ui tests -name '*.[ch]'); \
	[ -n "$$files" ] || { echo "format-check: no files found"; exit 1; }; \
	bad=""; for f in $$files; do \
		clang-format --dry-run --Werror $$f >/dev/null 2>&1 || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then echo "not formatted:$$bad"; \
		echo "fix with: clang-format -i$$bad"; exit 1; fi; \
	echo "format-check: all files formatted"

# Runs every test binary and replays the fuzz corpora, then adds up the
# cmocka summaries into one closing line. A binary that dies before its
# summary counts as one failed test.
VALGRIND_CMD = valgrind --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --quiet
.PHONY: run-tests
run-tests: $(UNIT_TESTS) $(INTEGRATION_TESTS) $(PROGRAMS) $(FUZZ_REPLAYS)
	@pass=0; fail=0; skip=0; log=$(B)/tests/last.log; \
	count() { sed -n "s/^\[  $$1 *\] \([0-9]*\) .*/\1/p" $$log | head -1; }; \
	run() { \
		echo "== $$*"; \
		if [ "$(VALGRIND)" = 1 ]; then set -- $(VALGRIND_CMD) "$$@"; fi; \
		GYMHUB_VALGRIND="$(if $(VALGRIND),$(VALGRIND_CMD))" \
			GYMHUB_BUILD=$(B) "$$@" 2>&1 | tee $$log; \
		rc=$${PIPESTATUS[0]}; \
		p=$$(count PASSED); f=$$(count FAILED); s=$$(count SKIPPED); \
		pass=$$((pass + $${p:-0})); skip=$$((skip + $${s:-0})); \
		if [ $$rc -ne 0 ] && [ -z "$$f" ]; then f=1; fi; \
		fail=$$((fail + $${f:-0})); \
		[ $$rc -eq 0 ] || echo "FAILED: $$* (exit $$rc)"; \
	}; \
	for t in $(FUZZ_TARGETS); do \
		run $(B)/tests/fuzz/replay-$$t tests/fuzz/corpus/$$t; \
	done; \
	for t in $(UNIT_TESTS) $(INTEGRATION_TESTS); do run $$t; done; \
	echo; echo "tests: $$pass passed, $$fail failed, $$skip skipped"; \
	[ $$fail -eq 0 ]

# --- install ---------------------------------------------------------------
.PHONY: install
install: all
	install -Dm755 $(B)/gymhubd $(DESTDIR)$(SBINDIR)/gymhubd
	install -Dm755 $(B)/gymhubctl $(DESTDIR)$(BINDIR)/gymhubctl
	install -Dm755 $(B)/gymhub-display $(DESTDIR)$(BINDIR)/gymhub-display
	install -d $(DESTDIR)$(SYSCONFDIR)/gymhub
	sed -e 's|/usr/local/share/gymhub|$(DATADIR)/gymhub|g' \
	    -e 's|/etc/gymhub/|$(SYSCONFDIR)/gymhub/|g' config/gymhub.conf \
	    > $(B)/gymhub.conf
	@# Never overwrite the user's settings: a changed default goes beside.
	@conf=$(DESTDIR)$(SYSCONFDIR)/gymhub/gymhub.conf; \
	if [ -e $$conf ] && ! cmp -s $$conf $(B)/gymhub.conf; then \
		install -m644 $(B)/gymhub.conf $$conf.dist; \
		echo "kept your $$conf; the new default is $$conf.dist"; \
	else install -m644 $(B)/gymhub.conf $$conf; fi
	install -d $(DESTDIR)$(DATADIR)/gymhub/workouts
	install -m644 config/workouts/*.conf $(DESTDIR)$(DATADIR)/gymhub/workouts/
	install -d $(DESTDIR)$(SYSCONFDIR)/gymhub/workouts
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/gymhubd.service.in > $(B)/gymhubd.service
	install -Dm644 $(B)/gymhubd.service $(DESTDIR)$(UNITDIR)/gymhubd.service
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/gymhub-display.service.in \
		> $(B)/gymhub-display.service
	install -Dm644 $(B)/gymhub-display.service \
		$(DESTDIR)$(UNITDIR)/gymhub-display.service
	install -Dm644 systemd/org.gymhub.Hub1.conf $(DESTDIR)$(DBUSPOLICYDIR)/org.gymhub.Hub1.conf
	install -Dm644 systemd/gymhub.sysusers $(DESTDIR)$(SYSUSERSDIR)/gymhub.conf
	install -Dm644 systemd/gymhub.tmpfiles $(DESTDIR)$(TMPFILESDIR)/gymhub.conf
	@echo; echo "Installed. On the hub, once: sudo systemd-sysusers &&"; \
	echo "  sudo systemd-tmpfiles --create && sudo systemctl reload dbus &&"; \
	echo "  sudo systemctl daemon-reload && sudo systemctl enable --now gymhubd"

.PHONY: clean
clean:
	rm -rf build
