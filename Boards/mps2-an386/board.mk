# SPDX-License-Identifier: Apache-2.0
# Arm MPS2 AN386: Cortex-M4F (DSP + single-precision FPU), QEMU -M mps2-an386.
CPU_FLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
QEMU_MACHINE := mps2-an386
TC_FEATURES := dsp
include $(TINYC_BOARDS)/common/cortex-m.mk
