//! A backend in memory, following the same rules as the others (compare-and-swap saves, an
//! exclusive lock): for tests of whatever drives a backend, such as the deploy engine.

use crate::{check_save, LockInfo, Release, StateBackend, StateError};
use infrac_plan::state::State;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Debug, Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    states: BTreeMap<String, State>,
    locks: BTreeMap<String, LockInfo>,
}

impl MemoryBackend {
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the mutex left the maps whole; keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl StateBackend for MemoryBackend {
    fn location(&self, stack: &str) -> String {
        format!("memory:{stack}")
    }

    fn lock_location(&self, stack: &str) -> String {
        format!("memory:{stack}.lock")
    }

    fn load(&self, stack: &str) -> Result<Option<State>, StateError> {
        Ok(self.inner().states.get(stack).cloned())
    }

    fn save(
        &self,
        stack: &str,
        state: &State,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        let mut inner = self.inner();
        check_save(
            &self.location(stack),
            inner.states.get(stack),
            state,
            expected_serial,
        )?;
        inner.states.insert(stack.to_string(), state.clone());
        Ok(())
    }

    fn lock(&self, stack: &str, holder: &LockInfo) -> Result<(), StateError> {
        let mut inner = self.inner();
        if let Some(current) = inner.locks.get(stack) {
            return Err(StateError::Locked {
                location: self.location(stack),
                holder: Some(Box::new(current.clone())),
            });
        }
        inner.locks.insert(stack.to_string(), holder.clone());
        Ok(())
    }

    fn lock_holder(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        Ok(self.inner().locks.get(stack).cloned())
    }

    fn release(&self, stack: &str, holder: &LockInfo) -> Result<Release, StateError> {
        let mut inner = self.inner();
        match inner.locks.get(stack) {
            Some(current) if current.token == holder.token && !holder.token.is_empty() => {
                inner.locks.remove(stack);
                Ok(Release::Released)
            }
            other => Ok(Release::NotOurs(other.cloned())),
        }
    }

    fn unlock(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        Ok(self.inner().locks.remove(stack))
    }

    fn stacks(&self) -> Result<Vec<String>, StateError> {
        Ok(self.inner().states.keys().cloned().collect())
    }
}
