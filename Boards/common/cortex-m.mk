# SPDX-License-Identifier: Apache-2.0
# Settings shared by every QEMU Cortex-M board; included by Boards/<board>/board.mk after it has
# set CPU_FLAGS, QEMU_MACHINE and TC_FEATURES. Uses newlib-nano only for memcpy/memset:
# -nostartfiles because Boards/common/startup.c is the startup code.
ARM_PREFIX ?= arm-none-eabi-
CC := $(ARM_PREFIX)gcc
SIZE := $(ARM_PREFIX)size
FIRMWARE_EXT := .elf
BOARD_DIR := $(TINYC_BOARDS)/$(BOARD)
BOARD_SRCS := $(TINYC_BOARDS)/common/startup.c $(TINYC_BOARDS)/common/semihosting.c
BOARD_CFLAGS := -g
BOARD_LDFLAGS := -T$(BOARD_DIR)/linker.ld -L$(TINYC_BOARDS)/common -nostartfiles --specs=nano.specs --specs=nosys.specs \
    -Wl,--no-warn-rwx-segments
