//! The figures of bench/deque.c on crossbeam-deque, the work-stealing deque
//! of the Rust ecosystem: a LIFO Worker (the owner's end) and its Stealer.
//! The same workload as the C side, whose comment describes it: on one
//! thread, an iteration pushes BATCH items and takes them all back; a
//! figure is per item.

use crossbeam_deque::{Steal, Worker};

use crate::black_box;

/// Half of crossbeam's initial 64 slots, as bench/deque.c's BATCH is half of
/// DEQUE_CAPACITY: neither deque ever resizes here.
pub const BATCH: u32 = 32;

fn push_batch(worker: &Worker<u32>) {
    for i in 0..BATCH {
        worker.push(i);
    }
}

/// One push and one pop per item (deque_push_pop).
pub fn worker_push_pop(iterations: u64) {
    let worker = Worker::new_lifo();
    for _ in 0..iterations {
        push_batch(&worker);
        for _ in 0..BATCH {
            match worker.pop() {
                Some(item) => {
                    black_box(item);
                }
                None => panic!("worker_push_pop: a pop found nothing"),
            }
        }
    }
}

/// One push and one steal per item (deque_steal).
pub fn stealer_steal(iterations: u64) {
    let worker = Worker::new_lifo();
    let stealer = worker.stealer();
    for _ in 0..iterations {
        push_batch(&worker);
        for _ in 0..BATCH {
            match stealer.steal() {
                Steal::Success(item) => {
                    black_box(item);
                }
                _ => panic!("stealer_steal: a steal with no other thief failed"),
            }
        }
    }
}
