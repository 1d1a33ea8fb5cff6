# SPDX-License-Identifier: Apache-2.0
# Arm MPS2 AN505: Cortex-M33 (Armv8-M Mainline: DSP extension, single-precision FPv5 FPU,
# TrustZone; tinyc runs everything Secure), QEMU -M mps2-an505.
CPU_FLAGS := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
QEMU_MACHINE := mps2-an505
TC_FEATURES := dsp
include $(TINYC_BOARDS)/common/cortex-m.mk
