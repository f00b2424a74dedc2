//! The Executor of the Async/Await post, rebuilt as a normal std program:
//! task ids from a global counter, the tasks in a BTreeMap, a bounded
//! ArrayQueue of ready ids shared with the wakers, and a cache of one
//! Arc-backed Waker per task so a task's waker is allocated once, not at
//! every poll. Only sleep_if_idle is left out: the benchmarks call
//! run_ready_tasks, which returns when no task is ready.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crossbeam_queue::ArrayQueue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

pub struct Task {
    id: TaskId,
    future: Pin<Box<dyn Future<Output = ()>>>,
}

impl Task {
    pub fn new(future: impl Future<Output = ()> + 'static) -> Self {
        Task {
            id: TaskId::new(),
            future: Box::pin(future),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.future.as_mut().poll(cx)
    }
}

pub struct Executor {
    tasks: BTreeMap<TaskId, Task>,
    ready: Arc<ArrayQueue<TaskId>>,
    waker_cache: BTreeMap<TaskId, Waker>,
}

impl Executor {
    pub fn new() -> Self {
        Executor {
            tasks: BTreeMap::new(),
            ready: Arc::new(ArrayQueue::new(100)),
            waker_cache: BTreeMap::new(),
        }
    }

    pub fn spawn(&mut self, task: Task) {
        let id = task.id;
        if self.tasks.insert(id, task).is_some() {
            panic!("spawn: task id {:?} is already taken", id);
        }
        self.ready.push(id).expect("spawn: the ready queue is full");
    }

    // region: run_ready_tasks
    /// Polls every ready task until the ready queue is empty. A finished task
    /// is dropped with its cached waker; an id whose task is gone is skipped.
    pub fn run_ready_tasks(&mut self) {
        // Borrow the fields one by one: the closure below needs the queue
        // while the task is borrowed from the map.
        let Self {
            tasks,
            ready,
            waker_cache,
        } = self;
        while let Some(id) = ready.pop() {
            let task = match tasks.get_mut(&id) {
                Some(task) => task,
                None => continue,
            };
            let waker = waker_cache
                .entry(id)
                .or_insert_with(|| TaskWaker::waker(id, ready.clone()));
            let mut cx = Context::from_waker(waker);
            if let Poll::Ready(()) = task.poll(&mut cx) {
                tasks.remove(&id);
                waker_cache.remove(&id);
            }
        }
    }
    // endregion: run_ready_tasks
}

/// What a task's Waker points to: waking pushes the task's id on the ready queue.
struct TaskWaker {
    id: TaskId,
    ready: Arc<ArrayQueue<TaskId>>,
}

impl TaskWaker {
    fn waker(id: TaskId, ready: Arc<ArrayQueue<TaskId>>) -> Waker {
        Waker::from(Arc::new(TaskWaker { id, ready }))
    }

    fn wake_task(&self) {
        self.ready
            .push(self.id)
            .expect("wake: the ready queue is full");
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_task();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_task();
    }
}
