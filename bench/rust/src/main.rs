//! The Rust figures of `make bench`, paired by name with the C figures of
//! bench/*.c: the same workloads on the building blocks the Async/Await post
//! uses (and for chapter 06 crossbeam-deque, tokio and async-executor), timed by the same rules as
//! bench/harness.c (calibrated to about 25 ms per repetition, one warm-up, 11
//! repetitions, the median printed as `name<TAB>ns_per_op` on stdout, min and
//! max on stderr).

mod deque;
mod executor;
mod spawn2;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use crossbeam_queue::ArrayQueue;
use futures::executor::block_on;
use futures::task::{noop_waker, AtomicWaker};

use executor::{Executor, Task};

const REPETITIONS: usize = 11;
const YIELDS: u32 = 1000;
const SPAWNED: usize = 100;

/// std::hint::black_box is newer than Debian 12's rustc (1.63): a volatile
/// read makes the compiler treat the value as unknown, and its producer as used.
fn black_box<T>(x: T) -> T {
    // SAFETY: reads a value we own, then forgets the original, so it is moved, not copied.
    unsafe {
        let y = std::ptr::read_volatile(&x);
        std::mem::forget(x);
        y
    }
}

struct Figure {
    name: &'static str,
    run: fn(u64),
    /// Operations in one iteration, as in harness.h.
    ops_per_iteration: u32,
}

// ---- the workloads ---------------------------------------------------------

/// Pending `remaining` times (waking itself each time), then ready: bench/block_on.c's pending_n.
struct PendingN {
    remaining: u32,
}

impl Future for PendingN {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn block_on_yields(iterations: u64, yields: u32) {
    for _ in 0..iterations {
        block_on(PendingN {
            remaining: black_box(yields),
        });
    }
}

fn block_on_yield_0(iterations: u64) {
    block_on_yields(iterations, 0)
}
fn block_on_yield_10(iterations: u64) {
    block_on_yields(iterations, 10)
}
fn block_on_yield_50(iterations: u64) {
    block_on_yields(iterations, 50)
}

fn arrayqueue_push_pop(iterations: u64) {
    let queue = ArrayQueue::<u8>::new(100);
    for i in 0..iterations {
        if queue.push(black_box(i as u8)).is_err() {
            panic!("arrayqueue_push_pop: full");
        }
        black_box(queue.pop());
    }
}

fn atomicwaker_register_wake(iterations: u64) {
    let atomic = AtomicWaker::new();
    let waker = noop_waker();
    for _ in 0..iterations {
        atomic.register(black_box(&waker));
        atomic.wake();
    }
}

fn blogos_executor_spawn_run(iterations: u64) {
    let mut executor = Executor::new();
    for _ in 0..iterations {
        for _ in 0..SPAWNED {
            executor.spawn(Task::new(async {}));
        }
        executor.run_ready_tasks();
    }
}

/// Pending once (waking itself), then ready: chapter 02's yield_now.
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn blogos_executor_yield(iterations: u64) {
    let mut executor = Executor::new();
    for _ in 0..iterations {
        executor.spawn(Task::new(async {
            for _ in 0..black_box(YIELDS) {
                YieldNow { yielded: false }.await;
            }
        }));
        executor.run_ready_tasks();
    }
}

// ---- the harness -----------------------------------------------------------

fn time_run(figure: &Figure, iterations: u64) -> f64 {
    let start = Instant::now();
    (figure.run)(iterations);
    start.elapsed().as_nanos() as f64
}

/// As harness.c: double until a run takes a tenth of the target, then scale.
fn calibrate(figure: &Figure, target_ns: f64) -> u64 {
    let mut iterations = 1u64;
    let elapsed = loop {
        let elapsed = time_run(figure, iterations);
        if elapsed >= target_ns / 10.0 {
            break elapsed;
        }
        iterations *= 2;
    };
    ((iterations as f64 * target_ns / elapsed) as u64).max(1)
}

fn measure(figure: &Figure, target_ns: f64) {
    let iterations = calibrate(figure, target_ns);
    let ops = iterations as f64 * figure.ops_per_iteration as f64;
    time_run(figure, iterations); // warm-up
    let mut ns: Vec<f64> = (0..REPETITIONS)
        .map(|_| time_run(figure, iterations) / ops)
        .collect();
    ns.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = ns[REPETITIONS / 2];
    println!("{}\t{:.3}", figure.name, median);
    eprintln!(
        "{:<28} {:10.3} ns/op  (min {:.3}, max {:.3}; {} reps of {:.0} ops)",
        figure.name,
        median,
        ns[0],
        ns[REPETITIONS - 1],
        REPETITIONS,
        ops
    );
}

fn main() {
    let figures = [
        Figure {
            name: "block_on_yield_0",
            run: block_on_yield_0,
            ops_per_iteration: 1,
        },
        Figure {
            name: "block_on_yield_10",
            run: block_on_yield_10,
            ops_per_iteration: 1,
        },
        Figure {
            name: "block_on_yield_50",
            run: block_on_yield_50,
            ops_per_iteration: 1,
        },
        Figure {
            name: "arrayqueue_push_pop",
            run: arrayqueue_push_pop,
            ops_per_iteration: 1,
        },
        Figure {
            name: "atomicwaker_register_wake",
            run: atomicwaker_register_wake,
            ops_per_iteration: 1,
        },
        Figure {
            name: "blogos_executor_spawn_run",
            run: blogos_executor_spawn_run,
            ops_per_iteration: SPAWNED as u32,
        },
        Figure {
            name: "blogos_executor_yield",
            run: blogos_executor_yield,
            ops_per_iteration: YIELDS,
        },
        Figure {
            name: "worker_push_pop",
            run: deque::worker_push_pop,
            ops_per_iteration: deque::BATCH,
        },
        Figure {
            name: "stealer_steal",
            run: deque::stealer_steal,
            ops_per_iteration: deque::BATCH,
        },
        Figure {
            name: "tokio_spawn_run",
            run: spawn2::tokio_spawn_run,
            ops_per_iteration: spawn2::TASKS,
        },
        Figure {
            name: "async_executor_spawn_run",
            run: spawn2::async_executor_spawn_run,
            ops_per_iteration: spawn2::TASKS,
        },
    ];
    let quick = std::env::var("BENCH_QUICK").map_or(false, |v| !v.is_empty() && v != "0");
    let target_ns = if quick { 5e6 } else { 25e6 };
    // As harness.c: BENCH_ITERATIONS=N runs each figure N times once, for a profiler.
    let fixed: Option<u64> = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok());
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for figure in &figures {
        if wanted.is_empty() || wanted.iter().any(|w| figure.name.contains(w.as_str())) {
            match fixed {
                Some(iterations) => {
                    eprintln!(
                        "{}: {} iterations of {} ops",
                        figure.name, iterations, figure.ops_per_iteration
                    );
                    (figure.run)(iterations)
                }
                None => measure(figure, target_ns),
            }
        }
    }
}
