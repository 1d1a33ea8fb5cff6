# SPDX-License-Identifier: Apache-2.0
# Host "board": builds the firmware as a native executable with the host C compiler.
#   SANITIZE=1   adds -fsanitize=address,undefined (sanitizer reports are fatal)
HOST_CC ?= gcc
CC := $(HOST_CC)
SIZE := size
QEMU_MACHINE :=
TC_FEATURES :=
FIRMWARE_EXT :=
CPU_FLAGS :=
BOARD_SRCS := $(TINYC_BOARDS)/host/board.c
BOARD_CFLAGS := -g
BOARD_LDFLAGS :=
ifeq ($(SANITIZE),1)
BOARD_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BOARD_LDFLAGS += -fsanitize=address,undefined
endif
