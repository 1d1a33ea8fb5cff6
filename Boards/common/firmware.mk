# SPDX-License-Identifier: Apache-2.0
# Build rules for a tinyc firmware (or host executable): runner + model + runtime + board.
# The compiler's generated Makefile sets the inputs below and includes this file.
#
# Inputs
#   BOARD           board folder under TINYC_BOARDS (mps2-an386, host, ...)       [required]
#   TINYC_BOARDS    absolute path of Boards/            (default: derived from this file's path)
#   TC_RUNTIME_DIR  the runtime (include/, src/, runtime.mk) (default: $(TINYC_BOARDS)/../Runtime-C)
#   APP_SRCS        the model's .c files + tinyc_run_data.c (absolute, or relative to the make cwd)
#   APP_INCLUDES    -I flags for the model's headers
#   BUILD_DIR       output directory                     (default: build/$(BOARD))
#   EXTRA_CFLAGS    appended to CFLAGS (e.g. -DNDEBUG, -DTINYC_RUN_MAX_OUTPUT_BYTES=65536)
#   OPT             optimisation level                   (default: -O2)
#   SANITIZE=1      host only: ASan + UBSan
#
# Targets
#   firmware (default)  $(BUILD_DIR)/firmware.elf (Cortex-M; + firmware.map, firmware.size)
#                       or $(BUILD_DIR)/firmware (host); prints the size table
#   run                 builds, then runs it (QEMU via Scripts/run-qemu.sh, or natively on host)
#   clean               removes $(BUILD_DIR)
#
# Outputs for tools: FIRMWARE (the built file's path) and QEMU_MACHINE (empty on host).

FIRMWARE_MK_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TINYC_BOARDS ?= $(patsubst %/,%,$(dir $(FIRMWARE_MK_DIR)))
TC_RUNTIME_DIR ?= $(abspath $(TINYC_BOARDS)/../Runtime-C)
TINYC_SCRIPTS ?= $(abspath $(TINYC_BOARDS)/../Scripts)

ifeq ($(strip $(BOARD)),)
$(error BOARD is not set (one of: $(notdir $(filter-out %/common %/tests,$(wildcard $(TINYC_BOARDS)/*)))))
endif
ifeq ($(wildcard $(TINYC_BOARDS)/$(BOARD)/board.mk),)
$(error no board '$(BOARD)': $(TINYC_BOARDS)/$(BOARD)/board.mk does not exist)
endif

BUILD_DIR ?= build/$(BOARD)
OPT ?= -O2

include $(TINYC_BOARDS)/$(BOARD)/board.mk
include $(TC_RUNTIME_DIR)/runtime.mk

FIRMWARE := $(BUILD_DIR)/firmware$(FIRMWARE_EXT)

SRCS := $(abspath $(APP_SRCS) $(TINYC_BOARDS)/common/tinyc_runner.c $(BOARD_SRCS) $(TC_RUNTIME_SRCS))
# One object per source, mirrored under obj/ by absolute path, so equal basenames cannot clash.
OBJS := $(patsubst /%.c,$(BUILD_DIR)/obj/%.o,$(SRCS))

CFLAGS := -std=c99 $(OPT) $(CPU_FLAGS) $(BOARD_CFLAGS) -Wall -Wextra -Werror \
    -ffunction-sections -fdata-sections -fno-common -fno-math-errno \
    $(TC_RUNTIME_INCLUDES) $(APP_INCLUDES) $(EXTRA_CFLAGS)
LDFLAGS := $(CPU_FLAGS) $(BOARD_LDFLAGS) -Wl,--gc-sections -Wl,-Map=$(BUILD_DIR)/firmware.map

.PHONY: firmware run clean
firmware: $(FIRMWARE)

$(FIRMWARE): $(OBJS)
	$(CC) $(LDFLAGS) $(OBJS) -o $@
	$(SIZE) $@ | tee $(BUILD_DIR)/firmware.size

$(BUILD_DIR)/obj/%.o: /%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d)

ifeq ($(strip $(QEMU_MACHINE)),)
run: $(FIRMWARE)
	$(FIRMWARE)
else
run: $(FIRMWARE)
	$(TINYC_SCRIPTS)/run-qemu.sh $(BOARD) $(FIRMWARE)
endif

clean:
	rm -rf $(BUILD_DIR)
