# SPDX-License-Identifier: Apache-2.0
# Arm MPS3 AN547: Cortex-M55 (Armv8.1-M Mainline: DSP extension, Helium/MVE, half/single/double
# precision FPU, TrustZone; tinyc runs everything Secure), QEMU -M mps3-an547.
CPU_FLAGS := -mcpu=cortex-m55 -mthumb -mfloat-abi=hard
QEMU_MACHINE := mps3-an547
TC_FEATURES := dsp
include $(TINYC_BOARDS)/common/cortex-m.mk
