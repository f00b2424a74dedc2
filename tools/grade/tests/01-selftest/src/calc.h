// Small arithmetic helpers.
#pragma once
#include <stdint.h>

uint64_t calc_sum(const uint32_t *values, unsigned n);
uint32_t calc_max(const uint32_t *values, unsigned n);
