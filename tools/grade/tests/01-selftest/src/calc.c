// Small arithmetic helpers.
#include "calc.h"

uint64_t calc_sum(const uint32_t *values, unsigned n)
{
    uint64_t sum = 0;
    // exercise: 1.1 begin
    for (unsigned i = 0; i < n; i++)
        sum += values[i];
    // exercise: 1.1 end
    return sum;
}

// region: max
uint32_t calc_max(const uint32_t *values, unsigned n)
{
    // exercise: 1.2 begin
    uint32_t best = 0;
    for (unsigned i = 0; i < n; i++)
        if (values[i] > best)
            best = values[i];
    return best;
    // exercise: 1.2 end
}
// endregion: max
