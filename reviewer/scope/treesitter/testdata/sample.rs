//! The job queue.
#![allow(dead_code)]

use std::collections::HashMap;
// Locks.
use std::sync::Mutex;

mod store;

const MAX: usize = 10;

/// A queue of jobs.
#[derive(Debug, Default)]
pub struct Queue {
    jobs: Mutex<HashMap<u64, String>>,
}

impl Queue {
    /// Push adds a job.
    #[inline]
    pub fn push(&self, id: u64, job: String) -> bool {
        let mut jobs = self.jobs.lock().unwrap();
        if jobs.len() >= MAX {
            return false;
        }
        jobs.insert(id, job);
        true
    }

    pub fn len(&self) -> usize { self.jobs.lock().unwrap().len() }
}

mod tests {
    use super::*;

    #[test]
    fn push_fills() {
        let q = Queue::default();
        assert!(q.push(1, "a".into()));
    }
}
