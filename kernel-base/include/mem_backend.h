// Where kmalloc's memory comes from: the kernel heap (kernel/mem.c) or the
// host's malloc (host/mem.c). lib/mem.c puts the rules and the counters on
// top, once, so both sides count alike.
#pragma once

#include <stddef.h>

// A 16-byte aligned block of at least size (> 0) bytes, or NULL.
void *mem_backend_alloc(size_t size);
// The bytes a live block holds (its size rounded up to 16).
size_t mem_backend_size(const void *ptr);
// Free a block from mem_backend_alloc and return the bytes it held; panics
// if ptr is not a live block (a double free, or a pointer from elsewhere).
size_t mem_backend_free(void *ptr);
