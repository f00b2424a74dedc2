// Driving one future to completion without an executor.
#pragma once

#include "future.h"

// Polls f until it is ready and returns how many polls that took; the output
// is in f's own struct. Between polls it polls again at once, with a waker
// that does nothing: it never sleeps, so a future that waits for an interrupt
// keeps the CPU busy until then. Task context only; f must stay put until it
// is ready. The next chapter's executor replaces this.
unsigned long block_on(struct future *f);
