# Debian packages of vgic-replay (included by the top-level Makefile):
#
#   make deb        build/deb/vgic-replay_VERSION_ARCH.deb from the native build
#                   and build/deb/vgic-replay_VERSION_arm64.deb from the static
#                   aarch64 build of make cross (no TUI, no trace.dat import)
#   make deb-test   lintian on both (errors fail), then the native one installed
#                   with apt into a clean Debian 12 root made by debootstrap, run
#                   there, and removed; the arm64 one installed there too and run
#                   under qemu-aarch64-static (tests/deb/run.sh)
#
# packaging/build-deb.sh does the work; see docs/packaging.md.
DEB_DIR    := $(BUILD)/deb
DEB_ARCH   := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_NATIVE := $(DEB_DIR)/vgic-replay_$(VERSION)_$(DEB_ARCH).deb
DEB_ARM64  := $(DEB_DIR)/vgic-replay_$(VERSION)_arm64.deb

.PHONY: deb deb-test

deb: $(DEB_NATIVE) $(DEB_ARM64)

$(DEB_NATIVE): $(BUILD)/vgic-replay $(MAN_OUT) scripts/vgic-replay.bash-completion \
		packaging/build-deb.sh packaging/copyright packaging/control.in \
		packaging/vgic-replay-watch.service packaging/vgic-replay-watch.default
	$(call msg,DEB,$@)
	$(Q)packaging/build-deb.sh $(DEB_ARCH) $(BUILD)/vgic-replay $@ $(VERSION)

$(DEB_ARM64): $(CROSS_DIR)/vgic-replay $(MAN_OUT) scripts/vgic-replay.bash-completion \
		packaging/build-deb.sh packaging/copyright packaging/control.in \
		packaging/vgic-replay-watch.service packaging/vgic-replay-watch.default
	$(call msg,DEB,$@)
	$(Q)packaging/build-deb.sh arm64 $(CROSS_DIR)/vgic-replay $@ $(VERSION)

deb-test: deb
	$(Q)tests/deb/run.sh $(DEB_NATIVE) $(DEB_ARM64) $(DEB_DIR)
