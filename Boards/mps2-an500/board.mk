# SPDX-License-Identifier: Apache-2.0
# Arm MPS2 AN500: Cortex-M7 (Armv7E-M: DSP extension, double-precision FPv5 FPU), QEMU -M mps2-an500.
CPU_FLAGS := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
QEMU_MACHINE := mps2-an500
TC_FEATURES := dsp
include $(TINYC_BOARDS)/common/cortex-m.mk
