// How many CPUs are there? The firmware says so in its ACPI tables: the RSDP,
// found by its signature in the BIOS's memory below 1 MiB, points at the RSDT,
// a list of tables; the one signed "APIC" (the MADT) has an entry per
// interrupt controller, one per CPU's local APIC among them. QEMU's firmware
// puts the tables at the top of RAM, inside the identity-mapped first GiB.
#include "acpi.h"

#include <stdbool.h>

#include "kstring.h"

struct rsdp {
    char signature[8]; // "RSD PTR "
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
} __attribute__((packed));

struct table_header {
    char signature[4];
    uint32_t length; // of the whole table, header included
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));

struct madt {
    struct table_header header;
    uint32_t lapic_address, flags;
    uint8_t entries[]; // each: type, length, then its fields
} __attribute__((packed));

#define MADT_LOCAL_APIC 0 // an entry: processor id, APIC id, flags (32 bits)
#define CPU_ENABLED     1

// Every ACPI structure's bytes add up to 0 (mod 256).
static bool sums_to_zero(const void *p, uint32_t length)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

// The RSDP lies on a 16-byte boundary in the BIOS ROM, 0xE0000-0xFFFFF, or
// in the first KiB of the extended BIOS data area. The EBDA's address is kept
// in page 0, which the kernel leaves unmapped (NULL faults); QEMU's firmware
// puts the RSDP in the ROM area, so that is where we look.
static const struct rsdp *find_rsdp(void)
{
    for (uintptr_t p = 0xE0000; p < 0x100000; p += 16) {
        const struct rsdp *r = (const void *)p;
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sums_to_zero(r, sizeof *r))
            return r;
    }
    return 0;
}

static const struct madt *find_madt(void)
{
    const struct rsdp *rsdp = find_rsdp();
    if (!rsdp)
        return 0;
    const struct table_header *rsdt = (const void *)(uintptr_t)rsdp->rsdt;
    if (!sums_to_zero(rsdt, rsdt->length))
        return 0;
    const uint32_t *tables = (const uint32_t *)(rsdt + 1);
    unsigned count = (rsdt->length - sizeof *rsdt) / 4;
    for (unsigned i = 0; i < count; i++) {
        const struct table_header *t = (const void *)(uintptr_t)tables[i];
        if (memcmp(t->signature, "APIC", 4) == 0 && sums_to_zero(t, t->length))
            return (const struct madt *)t;
    }
    return 0;
}

unsigned acpi_find_cpus(uint8_t *apic_ids, unsigned max)
{
    const struct madt *madt = find_madt();
    if (!madt)
        return 0;
    unsigned n = 0;
    const uint8_t *p = madt->entries, *end = (const uint8_t *)madt + madt->header.length;
    while (p + 2 <= end && p[1] >= 2) {
        uint32_t flags;
        if (p[0] == MADT_LOCAL_APIC && p[1] >= 8) {
            memcpy(&flags, p + 4, sizeof flags);
            if (flags & CPU_ENABLED) {
                if (n < max)
                    apic_ids[n] = p[3];
                n++;
            }
        }
        p += p[1];
    }
    return n;
}
