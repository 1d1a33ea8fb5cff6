# SPDX-License-Identifier: Apache-2.0
# Netduino Plus 2: STM32F405RG, Cortex-M4F (DSP + single-precision FPU), QEMU -M netduinoplus2.
CPU_FLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
QEMU_MACHINE := netduinoplus2
TC_FEATURES := dsp
include $(TINYC_BOARDS)/common/cortex-m.mk
