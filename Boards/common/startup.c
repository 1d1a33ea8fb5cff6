/* SPDX-License-Identifier: Apache-2.0 */
/* Cortex-M vector table and reset handler, in C (no assembly file, no CMSIS).
 *
 * Reset: enable the FPU (if the build uses one) before any code that might touch it, copy .data
 * from flash, zero .bss, run main(), then exit through the board with main's return value.
 * Every exception we do not expect reports its name and the fault status, then exits with code 4:
 * under QEMU a test must fail, never hang. */
#include <stdint.h>

#include "tinyc/tc_board.h"

int main(void);

/* Provided by the board's linker.ld. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SCB_CPACR REG32(0xE000ED88u) /* coprocessor access control (FPU = CP10, CP11) */
#define SCB_CFSR REG32(0xE000ED28u)  /* configurable fault status (MemManage, Bus, Usage) */
#define SCB_HFSR REG32(0xE000ED2Cu)  /* HardFault status */

void Reset_Handler(void);

void Reset_Handler(void)
{
    uint32_t *src, *dst;
#if defined(__ARM_FP)
    /* full access to CP10/CP11; the barriers make it take effect before the next FP instruction */
    SCB_CPACR |= (0xFu << 20);
    __asm__ __volatile__("dsb\n\tisb" ::: "memory");
#endif
    /* GCC may turn these two loops into memcpy/memset calls; newlib's need no initialized data */
    for (src = _sidata, dst = _sdata; dst < _edata;)
        *dst++ = *src++;
    for (dst = _sbss; dst < _ebss;)
        *dst++ = 0;
    tc_board_exit(main());
}

/* Writes "tinyc: fault: <name> CFSR=0x........ HFSR=0x........\n" and exits 4. Armv6-M (Cortex-M0)
 * has neither register (reading them would fault again inside HardFault: a lockup), so there the
 * line ends after the name. */
static void fault(const char *name)
{
    char buf[40];
    size_t n = 0, len = 0;
    while (name[len])
        len++;
    tc_board_write("tinyc: fault: ", 14);
    tc_board_write(name, len);
#if !defined(__ARM_ARCH_6M__)
    static const char hex[] = "0123456789abcdef";
    const uint32_t regs[2] = {SCB_CFSR, SCB_HFSR};
    int r, i;
    for (r = 0; r < 2; r++) {
        const char *label = r == 0 ? " CFSR=0x" : " HFSR=0x";
        for (i = 0; label[i]; i++)
            buf[n++] = label[i];
        for (i = 28; i >= 0; i -= 4)
            buf[n++] = hex[(regs[r] >> i) & 0xFu];
    }
#endif
    buf[n++] = '\n';
    tc_board_write(buf, n);
    tc_board_exit(4);
}

static void NMI_Handler(void) { fault("NMI"); }
static void HardFault_Handler(void) { fault("HardFault"); }
static void MemManage_Handler(void) { fault("MemManage"); }
static void BusFault_Handler(void) { fault("BusFault"); }
static void UsageFault_Handler(void) { fault("UsageFault"); }
static void Unexpected_Handler(void) { fault("unexpected exception"); }

typedef void (*tc_vector)(void);

/* 16 system exceptions + 32 external interrupts (nothing enables an interrupt, so boards with more
 * never take one); the first word is the initial stack pointer. On Armv6-M the MemManage, BusFault
 * and UsageFault slots are reserved and never used. */
__attribute__((section(".isr_vector"), used))
const tc_vector tc_vector_table[16 + 32] = {
    (tc_vector)(uintptr_t)_estack,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,          /* reserved */
    Unexpected_Handler,  /* SVCall */
    Unexpected_Handler,  /* DebugMonitor */
    0,                   /* reserved */
    Unexpected_Handler,  /* PendSV */
    Unexpected_Handler,  /* SysTick */
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
    Unexpected_Handler, Unexpected_Handler, Unexpected_Handler, Unexpected_Handler,
};
