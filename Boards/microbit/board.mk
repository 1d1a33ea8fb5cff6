# SPDX-License-Identifier: Apache-2.0
# BBC micro:bit v1: nRF51822, Cortex-M0 (Armv6-M: Thumb-1 plus a few 32-bit instructions, no DSP,
# no FPU, no hardware divide, no unaligned access), QEMU -M microbit.
CPU_FLAGS := -mcpu=cortex-m0 -mthumb -mfloat-abi=soft
QEMU_MACHINE := microbit
TC_FEATURES :=
include $(TINYC_BOARDS)/common/cortex-m.mk
