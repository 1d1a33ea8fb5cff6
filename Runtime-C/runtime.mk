# SPDX-License-Identifier: Apache-2.0
# The tinyc C runtime as make variables, for board/firmware makefiles (Boards/common/firmware.mk).
#
#   TC_RUNTIME_DIR       this directory (set it before including; defaults to where this file is).
#                        The compiler copies include/, src/ and runtime.mk into its output as runtime/.
#   TC_RUNTIME_SRCS      the runtime's .c files, as $(TC_RUNTIME_DIR)/src/... paths
#   TC_RUNTIME_INCLUDES  -I flags for tinyc/*.h (public) and src/ (tc_requant.h, for generated code)
#
# `_dsp` kernels (tc_simd.h: SMLAD/SXTB16 on cores with the DSP extension, portable C elsewhere) are
# always built. If the board lists `dsp` in TC_FEATURES, the files in src/arm/ are added too.

TC_RUNTIME_DIR ?= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

# Every kernel file in src/ (the linker's --gc-sections drops what a model does not call).
TC_RUNTIME_SRCS := $(sort $(wildcard $(TC_RUNTIME_DIR)/src/*.c))

ifneq ($(filter dsp,$(TC_FEATURES)),)
TC_RUNTIME_SRCS += $(sort $(wildcard $(TC_RUNTIME_DIR)/src/arm/*.c))
endif

TC_RUNTIME_INCLUDES := -I$(TC_RUNTIME_DIR)/include -I$(TC_RUNTIME_DIR)/src
