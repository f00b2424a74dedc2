// Looking up ksyms.h's table: the last symbol at or below an address.
#include "ksyms.h"

#include <stddef.h>

#include "boot.h"

const char *ksyms_name(uintptr_t address, uintptr_t *offset)
{
    if (!ksyms_count || address < ksyms[0].address || address >= (uintptr_t)kernel_end)
        return "?";
    unsigned low = 0, high = ksyms_count; // ksyms[low].address <= address < ksyms[high]
    while (high - low > 1) {
        unsigned mid = low + (high - low) / 2;
        if (ksyms[mid].address <= address)
            low = mid;
        else
            high = mid;
    }
    if (offset)
        *offset = address - ksyms[low].address;
    return ksyms[low].name;
}
