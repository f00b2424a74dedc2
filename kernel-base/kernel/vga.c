// The VGA text screen: 80x25 cells at 0xB8000, each a character and a colour
// byte; scrolls at the bottom and keeps the hardware cursor after the text.
// Only the first VGA_SHOWN_ROWS rows are written, so that a 24-row terminal
// shows the whole screen, status lines included.
#include "console.h"
#include "cpu.h"
#include "io.h"

#define BUFFER     ((volatile uint16_t *)0xB8000)
#define CRTC_INDEX 0x3D4
#define CRTC_DATA  0x3D5

static unsigned row, column;
// The rows text scrolls through: all the shown ones, or fewer once status
// lines have been shown below them.
static unsigned text_rows = VGA_SHOWN_ROWS;
// cppcheck-suppress badBitmaskCheck ; spelled out: grey on black
static uint8_t color = VGA_LIGHT_GREY | VGA_BLACK << 4;

static uint16_t cell(char c) { return (uint8_t)c | (uint16_t)color << 8; }

static void move_cursor(void)
{
    uint16_t pos = row * VGA_COLUMNS + column;
    outb(CRTC_INDEX, 0x0F);
    outb(CRTC_DATA, pos & 0xFF);
    outb(CRTC_INDEX, 0x0E);
    outb(CRTC_DATA, pos >> 8);
}

void vga_clear(void)
{
    for (unsigned i = 0; i < text_rows * VGA_COLUMNS; i++)
        BUFFER[i] = cell(' ');
    row = column = 0;
    move_cursor();
}

void vga_init(void)
{
    for (unsigned i = 0; i < VGA_ROWS * VGA_COLUMNS; i++) // the BIOS's text too
        BUFFER[i] = cell(' ');
    outb(CRTC_INDEX, 0x0A); // cursor start scan line 14, cursor shown
    outb(CRTC_DATA, 14);
    outb(CRTC_INDEX, 0x0B); // cursor end scan line 15
    outb(CRTC_DATA, 15);
    vga_clear();
}

void vga_set_color(enum vga_color fg, enum vga_color bg) { color = fg | bg << 4; }

static void scroll(void)
{
    for (unsigned i = 0; i < (text_rows - 1) * VGA_COLUMNS; i++)
        BUFFER[i] = BUFFER[i + VGA_COLUMNS];
    for (unsigned i = 0; i < VGA_COLUMNS; i++)
        BUFFER[(text_rows - 1) * VGA_COLUMNS + i] = cell(' ');
    row = text_rows - 1;
}

static void newline(void)
{
    column = 0;
    if (++row == text_rows)
        scroll();
}

void vga_putc(char c)
{
    switch (c) {
    case '\n': newline(); break;
    case '\r': column = 0; break;
    case '\t':
        do
            vga_putc(' ');
        while (column % 8);
        return;
    case '\b':
        if (column > 0)
            BUFFER[row * VGA_COLUMNS + --column] = cell(' ');
        break;
    default:
        BUFFER[row * VGA_COLUMNS + column] = cell(c);
        if (++column == VGA_COLUMNS)
            newline();
    }
    move_cursor();
}

void vga_set_status(unsigned line, const char *text)
{
    if (line >= VGA_STATUS_LINES)
        return;
    if (!text) { // give the rows back to the text
        for (unsigned i = text_rows * VGA_COLUMNS; i < VGA_SHOWN_ROWS * VGA_COLUMNS; i++)
            BUFFER[i] = cell(' ');
        text_rows = VGA_SHOWN_ROWS;
        return;
    }
    // Status line `line` is the `line`-th shown row from the bottom: the text
    // scrolls above it.
    while (text_rows > VGA_SHOWN_ROWS - 1 - line) {
        text_rows--;
        if (row >= text_rows) // the cursor was on a row the status takes
            scroll();
    }
    // cppcheck-suppress badBitmaskCheck ; spelled out: black on grey
    uint16_t attr = (uint16_t)(VGA_BLACK | VGA_LIGHT_GREY << 4) << 8;
    unsigned start = (VGA_SHOWN_ROWS - 1 - line) * VGA_COLUMNS;
    for (unsigned i = 0; i < VGA_COLUMNS; i++) {
        char c = *text ? *text++ : ' ';
        BUFFER[start + i] = attr | (uint8_t)c;
    }
}

uint16_t vga_cell(unsigned r, unsigned c) { return BUFFER[r * VGA_COLUMNS + c]; }

unsigned vga_cursor_row(void) { return row; }

unsigned vga_cursor_column(void) { return column; }
