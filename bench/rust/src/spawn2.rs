//! The figures of bench/spawn2.c on the two multi-threaded runtimes of the
//! Rust ecosystem, each with two worker threads: tokio's multi-thread
//! runtime and async-executor (run on two threads). The same workload as
//! the C side, whose comment describes it: from outside the runtime (the
//! main thread), spawn one task that spawns TASKS small tasks, and wait
//! until the last of them is done; a figure is per small task.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::thread::{self, Thread};

use async_executor::Executor;

/// Small tasks per iteration, as bench/spawn2.c's TASKS.
pub const TASKS: u32 = 1000;

/// Small tasks not done yet, and the thread to call when the last one is.
static LEFT: AtomicU32 = AtomicU32::new(0);
static WAITER: Mutex<Option<Thread>> = Mutex::new(None);

/// A small task: count itself done; the last one calls the main thread.
async fn small() {
    if LEFT.fetch_sub(1, Ordering::AcqRel) == 1 {
        if let Some(t) = WAITER.lock().unwrap().as_ref() {
            t.unpark();
        }
    }
}

fn start_batch() {
    *WAITER.lock().unwrap() = Some(thread::current());
    LEFT.store(TASKS, Ordering::Release);
}

fn wait_batch() {
    while LEFT.load(Ordering::Acquire) != 0 {
        thread::park();
    }
}

thread_local! {
    static TOKIO: tokio::runtime::Runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime");
    static ASYNC_EXECUTOR: &'static Executor<'static> = {
        let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
        for _ in 0..2 {
            thread::spawn(move || {
                futures_lite::future::block_on(ex.run(futures_lite::future::pending::<()>()))
            });
        }
        ex
    };
}

/// tokio: the spawner runs on a worker, so its spawns go to that worker's
/// queue, and the other worker steals.
pub fn tokio_spawn_run(iterations: u64) {
    TOKIO.with(|rt| {
        for _ in 0..iterations {
            start_batch();
            rt.spawn(async {
                for _ in 0..TASKS {
                    tokio::spawn(small());
                }
            });
            wait_batch();
        }
    });
}

/// async-executor: the same, with the tasks detached (nobody awaits them).
pub fn async_executor_spawn_run(iterations: u64) {
    ASYNC_EXECUTOR.with(|&ex| {
        for _ in 0..iterations {
            start_batch();
            ex.spawn(async move {
                for _ in 0..TASKS {
                    ex.spawn(small()).detach();
                }
            })
            .detach();
            wait_batch();
        }
    });
}
