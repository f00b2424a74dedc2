#!/bin/sh
# Install what a command needs (apt-get, sudo when not root); elsewhere print
# the Debian package list and stop.
#   tools/deps.sh run|test|book|debug|iso|watch|grade|browser|bench|fuzz|tsan ...
set -eu

need=""
add() { case " $need " in *" $1 "*) ;; *) need="$need $1" ;; esac; }

has_criterion() {
    [ -f /usr/include/criterion/criterion.h ] || [ -f /usr/local/include/criterion/criterion.h ]
}

need_run() {
    command -v gcc >/dev/null || add gcc
    command -v make >/dev/null || add make
    command -v objcopy >/dev/null || add binutils
    command -v qemu-system-x86_64 >/dev/null || add qemu-system-x86
    # On a desktop, make run opens a window: QEMU's GTK display is a separate package.
    if [ -n "${DISPLAY:-}" ] && ! ls /usr/lib/*/qemu/ui-gtk.so >/dev/null 2>&1; then
        add qemu-system-gui
    fi
}

for what in "$@"; do
    case "$what" in
    run) need_run ;;
    test)
        need_run
        has_criterion || add libcriterion-dev
        command -v python3 >/dev/null || add python3
        command -v pandoc >/dev/null || add pandoc
        command -v dot >/dev/null || add graphviz
        command -v gnuplot >/dev/null || add gnuplot-nox # the book's charts of make bench
        command -v gdb >/dev/null || add gdb  # the grader's self-test drives make debug
        ;;
    book)
        need_run
        command -v pandoc >/dev/null || add pandoc
        command -v dot >/dev/null || add graphviz
        command -v gnuplot >/dev/null || add gnuplot-nox # the book's charts of make bench
        command -v python3 >/dev/null || add python3
        ;;
    debug) command -v gdb >/dev/null || add gdb ;;
    iso)
        # make iso: grub-mkrescue and GRUB's BIOS modules (grub-pc-bin only
        # provides them: it does not touch this machine's own boot loader),
        # and xorriso, which writes the image. mtools is needed only for a
        # UEFI image, which make iso does not make.
        command -v grub-mkrescue >/dev/null || add grub-common
        [ -f /usr/lib/grub/i386-pc/cdboot.img ] || add grub-pc-bin
        command -v xorriso >/dev/null || add xorriso
        ;;
    watch) command -v inotifywait >/dev/null || add inotify-tools ;;
    grade) command -v bwrap >/dev/null || add bubblewrap ;; # grade-all's sandbox
    browser) command -v chromium >/dev/null || add chromium ;;
    compdb) command -v bear >/dev/null || add bear ;;
    fuzz | tsan)
        # libFuzzer and clang's ThreadSanitizer runtime come with clang's
        # runtime libraries, a package of their own.
        command -v clang >/dev/null || add clang
        ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
            add libclang-rt-dev
        ;;
    bench)
        # make bench: gcc and QEMU (run), gnuplot for the charts, and unless
        # RUST=0 the Rust side, built offline from Debian's packaged crates.
        need_run
        command -v python3 >/dev/null || add python3
        command -v gnuplot >/dev/null || add gnuplot-nox
        command -v valgrind >/dev/null || add valgrind # COUNT=1: instructions per operation
        if [ "${RUST:-1}" != 0 ]; then
            command -v cargo >/dev/null || add cargo
            ls -d /usr/share/cargo/registry/futures-0.3* >/dev/null 2>&1 || add librust-futures-dev
            ls -d /usr/share/cargo/registry/crossbeam-queue-0.3* >/dev/null 2>&1 ||
                add librust-crossbeam-queue-dev
            ls -d /usr/share/cargo/registry/crossbeam-deque-0.8* >/dev/null 2>&1 ||
                add librust-crossbeam-deque-dev
            for c in tokio async-executor; do ls -d /usr/share/cargo/registry/$c-1.* >/dev/null 2>&1 || add librust-$c-dev; done
        fi
        ;;
    *) echo "deps.sh: unknown need '$what'" >&2; exit 2 ;;
    esac
done

[ -z "$need" ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "Missing:$need" >&2
    echo "These are Debian package names; install the equivalents for your system and rerun." >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "Missing:$need (run as root: apt-get install$need)" >&2
        exit 1
    fi
    sudo=sudo
fi
echo "Installing missing Debian packages:$need"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
