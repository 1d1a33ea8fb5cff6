# SPDX-License-Identifier: Apache-2.0
# Arm MPS2 AN385: Cortex-M3 (Armv7-M: no DSP extension, no FPU), QEMU -M mps2-an385.
# tinyc compiles for it with --target cortex-m3, which calls the portable `_ref` kernels.
CPU_FLAGS := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
QEMU_MACHINE := mps2-an385
TC_FEATURES :=
include $(TINYC_BOARDS)/common/cortex-m.mk
