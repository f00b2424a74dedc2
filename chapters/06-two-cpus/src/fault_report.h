// Faults name their task: a panic, a page fault or a double fault (a stack
// overflow) while the executor polls a task says which task it was and the
// name of its future's poll function. Kernel glue: the names come from the
// kernel's symbol table (ksyms.h).
#pragma once

#include "executor.h"

// From now on every panic reports what `ex` was polling. Task context.
void fault_report_install(const struct executor *ex);
