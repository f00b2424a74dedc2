// The panic context of fault_report.h.
#include "fault_report.h"

#include "cpu.h"
#include "katomic.h"
#include "kprintf.h"
#include "ksyms.h"
#include "panic.h"

static const struct executor *_Atomic watched; // set in task context, read by a panic

// Runs inside panic, in any context: reads, formats, nothing more.
static size_t describe_task(char *buf, size_t size)
{
    const struct executor *ex = katomic_load(&watched, memory_order_acquire);
    struct task_id id;
    enum poll (*poll)(struct future *, struct context *);
    if (!ex || !executor_current(ex, &id, &poll))
        return 0;
    // A fault in an interrupt handler is the handler's, not the task's: say so.
    return (size_t)ksnprintf(buf, size, "%swhile polling task %u.%llu, whose poll is %s",
                             cpu_in_interrupt() ? "in an interrupt handler, " : "",
                             (unsigned)id.slot, (unsigned long long)id.generation,
                             ksyms_name((uintptr_t)poll, NULL));
}

void fault_report_install(const struct executor *ex)
{
    katomic_store(&watched, ex, memory_order_release);
    panic_set_context(describe_task);
}
