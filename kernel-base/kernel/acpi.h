// The CPUs the firmware reports, from its ACPI tables (the MADT).
#pragma once

#include <stdint.h>

// Fill apic_ids with the local APIC id of each enabled CPU, in the firmware's
// order (at most `max`), and return how many CPUs there are in all (which
// may be more than max). 0 when no table is found.
unsigned acpi_find_cpus(uint8_t *apic_ids, unsigned max);
