// The kernel console: every character goes to COM1 and to the VGA text screen.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vga_color {
    VGA_BLACK,
    VGA_BLUE,
    VGA_GREEN,
    VGA_CYAN,
    VGA_RED,
    VGA_MAGENTA,
    VGA_BROWN,
    VGA_LIGHT_GREY,
    VGA_DARK_GREY,
    VGA_LIGHT_BLUE,
    VGA_LIGHT_GREEN,
    VGA_LIGHT_CYAN,
    VGA_LIGHT_RED,
    VGA_LIGHT_MAGENTA,
    VGA_YELLOW,
    VGA_WHITE,
};

#define VGA_COLUMNS 80
#define VGA_ROWS    25
// The rows the kernel writes: a terminal's default 24, all of which QEMU's
// -display curses shows (it cuts the 25th, so that row is left blank).
#define VGA_SHOWN_ROWS   24
#define VGA_STATUS_LINES 4

void console_init(void);
// Whether the status lines are printed on serial too (booted with
// status=serial, as make run HEADLESS=1 does: nobody sees the screen).
void console_set_status_on_serial(bool on);
bool console_status_on_serial(void);
// Safe from any context: each character is written with interrupts disabled.
void console_putc(char c);
// How many characters have been written so far.
uint64_t console_written(void);
void console_set_color(enum vga_color fg, enum vga_color bg);
// Blank the screen and put the cursor at the top left.
void console_clear(void);
// Show `text` (cut at 80 columns) on status line `line` (0 is the screen's
// bottom row, 1 the row above it, up to VGA_STATUS_LINES - 1), which text no
// longer scrolls through from then on; NULL gives every status row back.
// Screen only, not serial: a status changes too often for a log. Any context.
void console_status(unsigned line, const char *text);

// The screen under the console; call these with interrupts disabled (the
// console_ functions do), since a handler may print at any moment.
void vga_init(void);
void vga_putc(char c);
void vga_clear(void);
void vga_set_color(enum vga_color fg, enum vga_color bg);
void vga_set_status(unsigned line, const char *text);
// The character and colour at a screen cell, for tests.
uint16_t vga_cell(unsigned row, unsigned column);
unsigned vga_cursor_row(void);
unsigned vga_cursor_column(void);
