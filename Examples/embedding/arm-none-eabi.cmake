# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file for arm-none-eabi-gcc, bare metal.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
# A bare-metal test program cannot link without a startup file and linker script: test the compiler with a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
