// The printf engine behind kprintf and ksnprintf: no libc, no allocation, no
// floating point, so interrupt handlers may use it too.
#include <stdbool.h>
#include <stdint.h>

#include "kprintf.h"

struct spec {
    bool left;  // '-': pad on the right
    bool zero;  // '0': pad numbers with zeros
    bool alt;   // '#': 0x before hex numbers
    int width;  // minimum field width
    int length; // 0 = int, 1 = long, 2 = long long, 3 = size_t
    char conv;  // the conversion character
};

struct out {
    void (*put)(char c, void *arg);
    void *arg;
    int count;
};

static void emit(struct out *out, char c)
{
    out->put(c, out->arg);
    out->count++;
}

static void emit_padding(struct out *out, char c, int n)
{
    while (n-- > 0)
        emit(out, c);
}

// Emit `len` chars of body (with an optional sign or "0x" prefix) in a field.
static void emit_field(struct out *out, const struct spec *spec, const char *prefix,
                       const char *body, int len)
{
    int prefix_len = 0;
    while (prefix[prefix_len])
        prefix_len++;
    int pad = spec->width - len - prefix_len;
    if (!spec->left && !spec->zero)
        emit_padding(out, ' ', pad);
    for (int i = 0; i < prefix_len; i++)
        emit(out, prefix[i]);
    if (!spec->left && spec->zero)
        emit_padding(out, '0', pad);
    for (int i = 0; i < len; i++)
        emit(out, body[i]);
    if (spec->left)
        emit_padding(out, ' ', pad);
}

static void emit_unsigned(struct out *out, const struct spec *spec, const char *prefix,
                          unsigned long long value, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24]; // 2^64 has 20 decimal digits
    int len = 0;
    do {
        buf[sizeof buf - 1 - len++] = digits[value % base];
        value /= base;
    } while (value);
    emit_field(out, spec, prefix, buf + sizeof buf - len, len);
}

static const char *parse_spec(const char *fmt, struct spec *spec, va_list *args)
{
    *spec = (struct spec){0};
    for (;; fmt++) {
        if (*fmt == '-')
            spec->left = true;
        else if (*fmt == '0')
            spec->zero = true;
        else if (*fmt == '#')
            spec->alt = true;
        else
            break;
    }
    if (*fmt == '*') {
        spec->width = va_arg(*args, int);
        if (spec->width < 0) {
            spec->left = true;
            spec->width = -spec->width;
        }
        fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
        spec->width = spec->width * 10 + (*fmt++ - '0');
    if (*fmt == 'z') {
        spec->length = 3;
        fmt++;
    } else {
        while (*fmt == 'l' && spec->length < 2) {
            spec->length++;
            fmt++;
        }
    }
    spec->conv = *fmt;
    return fmt;
}

static long long signed_arg(const struct spec *spec, va_list *args)
{
    switch (spec->length) {
    case 1: return va_arg(*args, long);
    case 2: return va_arg(*args, long long);
    case 3: return (long long)va_arg(*args, long); // ssize_t is long here
    default: return va_arg(*args, int);
    }
}

static unsigned long long unsigned_arg(const struct spec *spec, va_list *args)
{
    switch (spec->length) {
    case 1: return va_arg(*args, unsigned long);
    case 2: return va_arg(*args, unsigned long long);
    case 3: return va_arg(*args, size_t);
    default: return va_arg(*args, unsigned int);
    }
}

static void emit_conversion(struct out *out, struct spec *spec, va_list *args)
{
    switch (spec->conv) {
    case 'd':
    case 'i': {
        long long value = signed_arg(spec, args);
        // Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long.
        unsigned long long magnitude =
            value < 0 ? -(unsigned long long)value : (unsigned long long)value;
        emit_unsigned(out, spec, value < 0 ? "-" : "", magnitude, 10, false);
        break;
    }
    case 'u': emit_unsigned(out, spec, "", unsigned_arg(spec, args), 10, false); break;
    case 'x':
        emit_unsigned(out, spec, spec->alt ? "0x" : "", unsigned_arg(spec, args), 16, false);
        break;
    case 'X':
        emit_unsigned(out, spec, spec->alt ? "0X" : "", unsigned_arg(spec, args), 16, true);
        break;
    case 'p': emit_unsigned(out, spec, "0x", (uintptr_t)va_arg(*args, void *), 16, false); break;
    case 'c': {
        char c = (char)va_arg(*args, int);
        spec->zero = false;
        emit_field(out, spec, "", &c, 1);
        break;
    }
    case 's': {
        const char *s = va_arg(*args, const char *);
        if (!s)
            s = "(null)";
        int len = 0;
        while (s[len])
            len++;
        spec->zero = false;
        emit_field(out, spec, "", s, len);
        break;
    }
    case '%': emit(out, '%'); break;
    default:
        // Unknown conversion: show it rather than guess at its argument.
        emit(out, '%');
        if (spec->conv)
            emit(out, spec->conv);
        break;
    }
}

int kformat(void (*put)(char c, void *arg), void *arg, const char *fmt, va_list args)
{
    struct out out = {put, arg, 0};
    va_list ap;
    va_copy(ap, args);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&out, *fmt);
            continue;
        }
        struct spec spec;
        fmt = parse_spec(fmt + 1, &spec, &ap);
        emit_conversion(&out, &spec, &ap);
        if (!*fmt)
            break;
    }
    va_end(ap);
    return out.count;
}

struct buffer {
    char *buf;
    size_t size, len;
};

static void put_buffer(char c, void *arg)
{
    struct buffer *b = arg;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct buffer b = {buf, size, 0};
    int count = kformat(put_buffer, &b, fmt, args);
    if (size)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return count;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int count = kvsnprintf(buf, size, fmt, args);
    va_end(args);
    return count;
}

int kprintf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int count = kvprintf(fmt, args);
    va_end(args);
    return count;
}
