// kprintf's formatting engine, through ksnprintf and the host console.
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "console_capture.h"
#include "kprintf.h"
#include "testing.h"

TestSuite(format, .timeout = 10);

#define EXPECT(expected, ...)                                                                      \
    do {                                                                                           \
        char buf_[128];                                                                            \
        int n_ = ksnprintf(buf_, sizeof buf_, __VA_ARGS__);                                        \
        cr_expect_str_eq(buf_, expected, "format %s", #__VA_ARGS__);                               \
        cr_expect_eq(n_, (int)sizeof(expected) - 1, "length of %s", #__VA_ARGS__);                 \
    } while (0)

Test(format, integers)
{
    EXPECT("42 -17 0", "%d %i %d", 42, -17, 0);
    EXPECT("4294967295", "%u", 4294967295u);
    EXPECT("ff FF 0", "%x %X %x", 255, 255, 0);
    EXPECT("-2147483648", "%d", INT_MIN);
    EXPECT("2147483647", "%i", INT_MAX);
}

Test(format, length_modifiers)
{
    EXPECT("-9223372036854775808", "%ld", LONG_MIN);
    EXPECT("18446744073709551615", "%lu", ULONG_MAX);
    EXPECT("ffffffffffffffff", "%llx", ULLONG_MAX);
    EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
    EXPECT("123456789012", "%zu", (size_t)123456789012);
    EXPECT("DEADBEEFCAFE", "%lX", 0xDEADBEEFCAFEul);
}

Test(format, strings_chars_percent)
{
    EXPECT("hello, w!", "%s, %c%c", "hello", 'w', '!');
    const char *volatile null = NULL; // hidden from the compiler's format checks
    const char *fmt = "%s";
    EXPECT("(null)", fmt, null);
    EXPECT("100%", "%d%%", 100);
    EXPECT("", "%s", "");
}

Test(format, pointers)
{
    EXPECT("0xb8000", "%p", (void *)0xB8000);
    EXPECT("0x0", "%p", (void *)0);
}

Test(format, width_and_flags)
{
    EXPECT("   42", "%5d", 42);
    EXPECT("42   |", "%-5d|", 42);
    EXPECT("00042", "%05d", 42);
    EXPECT("-0042", "%05d", -42);
    EXPECT("  -42", "%5d", -42);
    EXPECT("000000ff", "%08x", 255);
    EXPECT("  abc", "%5s", "abc");
    EXPECT("abc  |", "%-5s|", "abc");
    EXPECT("    x", "%5c", 'x');
    EXPECT("123456", "%3d", 123456); // width is a minimum
    EXPECT("   7", "%*d", 4, 7);
    EXPECT("0x1f", "%#x", 31);
    EXPECT("0x0000001f", "%#010x", 31);
}

// Formats the compiler would reject: go through a variable to test them.
Test(format, unknown_conversion_is_shown_and_end_percent_kept)
{
    const char *unknown = "%q %d", *trailing = "50%";
    EXPECT("%q 5", unknown, 5);
    EXPECT("50%", trailing);
}

Test(format, truncates_and_reports_full_length)
{
    char buf[8];
    int n = ksnprintf(buf, sizeof buf, "%s", "0123456789");
    cr_assert_eq(n, 10);
    cr_assert_str_eq(buf, "0123456");
    cr_assert_eq(ksnprintf(NULL, 0, "%d", 12345), 5);
}

// The formatter must agree with the C library for every number it prints.
Test(format, agrees_with_libc_on_random_numbers)
{
    for (int i = 0; i < 20000; i++) {
        long long v = (long long)test_random();
        int width = (int)test_random_range(0, 24);
        char ours[64], libc[64];
        ksnprintf(ours, sizeof ours, "%0*lld|%-*llx|%*llu", width, v, width, (unsigned long long)v,
                  width, (unsigned long long)v);
        snprintf(libc, sizeof libc, "%0*lld|%-*llx|%*llu", width, v, width, (unsigned long long)v,
                 width, (unsigned long long)v);
        cr_assert_str_eq(ours, libc, "value %lld width %d", v, width);
    }
}

Test(format, kprintf_reaches_the_console)
{
    console_output_clear();
    int n = kprintf("async number: %d\n", 42);
    cr_assert_eq(n, 17);
    cr_assert_str_eq(console_output(), "async number: 42\n");
}
