// kcalloc on top of kmalloc: the same code in the kernel and on the host.
#include <stdint.h>

#include "kstring.h"
#include "mem.h"

void *kcalloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = kmalloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}
