// The self-test chapter's kernel: sums a few numbers.
#include "boot.h"
#include "calc.h"
#include "cpu.h"
#include "kprintf.h"

void kmain(void)
{
    uint32_t v[] = {1, 2, 3};
    kprintf("sum %lu max %u\n", (unsigned long)calc_sum(v, 3), calc_max(v, 3));
    for (;;)
        cpu_halt();
}
