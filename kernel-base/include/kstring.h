// memcpy and friends for portable code: on the host they are the C
// library's, in the kernel kernel-base's own (kernel/string.c). The compiler
// may also call memcpy and memset by itself, e.g. to copy a large struct.
#pragma once

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
