// Reads the Multiboot 1 information structure that the loader left in memory.
#include "boot_info.h"

#include "boot.h"
#include "panic.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002
#define INFO_HAS_MEMORY_MAP    (1u << 6)
#define INFO_HAS_CMDLINE       (1u << 2)
#define MAPPED_LIMIT           (1ull << 30) // boot.S maps the first GiB
#define REGION_AVAILABLE       1

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct multiboot_mmap_entry {
    uint32_t size; // of the rest of this entry
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

static char cmdline[256];
static struct memory_region heap_region;
static uint64_t memory_total;

static void consider_region(uint64_t start, uint64_t len)
{
    uint64_t end = start + len;
    uint64_t lowest = ((uint64_t)kernel_end + 0xFFF) & ~0xFFFull;
    if (start < lowest)
        start = lowest;
    if (end > MAPPED_LIMIT)
        end = MAPPED_LIMIT;
    if (end > start && end - start > heap_region.length)
        heap_region = (struct memory_region){start, end - start};
}

void boot_info_parse(uint32_t magic, uint32_t info_addr)
{
    if (magic != MULTIBOOT_LOADER_MAGIC)
        panic("not loaded by a Multiboot loader (magic %#x)", magic);
    const struct multiboot_info *info = (const void *)(uintptr_t)info_addr;
    if (info->flags & INFO_HAS_CMDLINE) {
        const char *s = (const char *)(uintptr_t)info->cmdline;
        size_t i = 0;
        for (; i < sizeof cmdline - 1 && s[i]; i++)
            cmdline[i] = s[i];
        cmdline[i] = '\0';
    }
    if (!(info->flags & INFO_HAS_MEMORY_MAP))
        panic("the loader gave no memory map");
    uintptr_t p = info->mmap_addr, end = p + info->mmap_length;
    while (p < end) {
        const struct multiboot_mmap_entry *e = (const void *)p;
        if (e->type == REGION_AVAILABLE) {
            memory_total += e->len;
            consider_region(e->addr, e->len);
        }
        p += e->size + sizeof e->size;
    }
}

static bool is_separator(char c) { return c == ' ' || c == '\0'; }

const char *boot_cmdline_value(const char *key, char *buf, size_t size)
{
    for (const char *s = cmdline; *s;) {
        while (*s == ' ')
            s++;
        size_t k = 0;
        while (key[k] && s[k] == key[k])
            k++;
        if (!key[k] && (is_separator(s[k]) || s[k] == '=')) {
            size_t n = 0;
            if (s[k] == '=')
                for (const char *v = s + k + 1; !is_separator(*v) && n + 1 < size; v++)
                    buf[n++] = *v;
            if (size)
                buf[n] = '\0';
            return buf;
        }
        while (!is_separator(*s))
            s++;
    }
    return NULL;
}

struct memory_region boot_heap_region(void) { return heap_region; }

uint64_t boot_memory_total(void) { return memory_total; }
