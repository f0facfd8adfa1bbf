//! Where a stack's state lives: the [`StateBackend`] trait (load, compare-and-swap save, an
//! exclusive lock), the local backend that keeps `.infra/state/<stack>.json` in the project,
//! and an in-memory backend for tests. An S3 backend implements the same trait in the AWS
//! crate, so callers never change when a team moves its state.
//!
//! Architecture invariant: this is the IO side of `infrac-plan`'s state model. It depends on
//! the standard library's file system and nothing of tokio, lsp-types or the AWS SDK; the
//! state's format and the pure operations on it stay in `infrac-plan`.

pub mod contract;
pub mod local;
pub mod memory;

pub use local::LocalBackend;
pub use memory::MemoryBackend;

use infrac_plan::State;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Who holds a stack's lock, and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    /// When the lock was taken, RFC 3339 in UTC.
    pub since: String,
    /// What the holder is doing (`deploy`, `destroy`).
    pub operation: String,
    /// A random token of this one run: only the run that took the lock releases it. Locks
    /// written before tokens existed have none (and are only broken, never released).
    #[serde(default)]
    pub token: String,
}

impl LockInfo {
    /// This process, now.
    pub fn current(operation: &str) -> LockInfo {
        LockInfo {
            who: format!("{}@{}", user_name(), host_name()),
            pid: std::process::id(),
            since: now_rfc3339(),
            operation: operation.to_string(),
            token: new_lineage(),
        }
    }

    /// Whether the holder is still running: `Some` only when it is on this machine and the
    /// system can tell (Linux's `/proc`).
    pub fn holder_alive(&self) -> Option<bool> {
        let host = self.who.rsplit_once('@').map(|(_, h)| h)?;
        if host != host_name() {
            return None;
        }
        let proc = std::path::Path::new("/proc");
        if !proc.join("self").exists() {
            return None;
        }
        Some(proc.join(self.pid.to_string()).exists())
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (pid {}, {} since {})",
            self.who, self.pid, self.operation, self.since
        )
    }
}

#[derive(Debug)]
pub enum StateError {
    Io {
        path: PathBuf,
        source: io::Error,
    },
    /// The stored state cannot be read (bad JSON, a newer format).
    Corrupt {
        location: String,
        message: String,
    },
    /// Someone else holds the lock. `holder` is `None` when the lock exists but cannot be read
    /// (being written this instant, or damaged).
    Locked {
        location: String,
        holder: Option<Box<LockInfo>>,
    },
    /// The stored state is not the one the caller read: someone else wrote in between.
    Conflict {
        location: String,
        expected: Option<u64>,
        found: Option<u64>,
    },
    /// The stored state is another history of the stack than the one being written.
    Lineage {
        location: String,
        stored: String,
        writing: String,
    },
    /// A write whose serial does not grow.
    SerialNotNewer {
        location: String,
        serial: u64,
        stored: u64,
    },
    /// A remote store (S3) refused or could not be reached; `message` says why, in plain
    /// words.
    Remote {
        location: String,
        message: String,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            StateError::Corrupt { location, message } => {
                write!(f, "cannot read the state in {location}: {message}")
            }
            StateError::Locked {
                location,
                holder: Some(holder),
            } => write!(
                f,
                "the stack is locked by {holder} ({location}); if that run is gone, `infrac state unlock` clears it"
            ),
            StateError::Locked {
                location,
                holder: None,
            } => write!(
                f,
                "the stack is locked ({location}), by a holder that cannot be read; if no run is going on, `infrac state unlock` clears it"
            ),
            StateError::Conflict {
                location,
                expected,
                found,
            } => {
                let show = |s: &Option<u64>| s.map_or("none".to_string(), |s| s.to_string());
                write!(
                    f,
                    "the state in {location} changed since it was read (expected serial {}, found {}): someone else wrote it; run again",
                    show(expected),
                    show(found)
                )
            }
            StateError::Lineage {
                location,
                stored,
                writing,
            } => write!(
                f,
                "the state in {location} belongs to another history of this stack (lineage {stored}, not {writing}); refusing to overwrite it"
            ),
            StateError::SerialNotNewer {
                location,
                serial,
                stored,
            } => write!(
                f,
                "refusing to write serial {serial} over serial {stored} in {location}: a state's serial must grow"
            ),
            StateError::Remote { location, message } => {
                write!(f, "cannot use the state in {location}: {message}")
            }
        }
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Stores the state of a project's stacks.
pub trait StateBackend {
    /// Where a stack's state is, for messages (`.infra/state/dev.json`, `s3://…/dev.json`).
    fn location(&self, stack: &str) -> String;

    /// Where a stack's lock is, for messages.
    fn lock_location(&self, stack: &str) -> String;

    /// The stack's state, or `None` for a stack never deployed.
    fn load(&self, stack: &str) -> Result<Option<State>, StateError>;

    /// Writes `state` if the stored state is still the one read: its serial is
    /// `expected_serial` (`None`: no state stored yet). `state.serial` must be greater than the
    /// stored one, and its lineage the same. Never leaves a half-written state.
    fn save(
        &self,
        stack: &str,
        state: &State,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError>;

    /// Takes the stack's lock, or fails at once with [`StateError::Locked`] naming the holder.
    fn lock(&self, stack: &str, holder: &LockInfo) -> Result<(), StateError>;

    /// Who holds the lock, if anyone.
    fn lock_holder(&self, stack: &str) -> Result<Option<LockInfo>, StateError>;

    /// Releases the lock `holder` took: removes it only while it still carries `holder`'s
    /// token, so a run whose lock was broken (`infrac state unlock`) never removes the lock the
    /// next run took.
    fn release(&self, stack: &str, holder: &LockInfo) -> Result<Release, StateError>;

    /// Breaks the lock, whoever holds it; returns who did. For `infrac state unlock`.
    fn unlock(&self, stack: &str) -> Result<Option<LockInfo>, StateError>;

    /// The stacks that have a state.
    fn stacks(&self) -> Result<Vec<String>, StateError>;
}

/// What releasing a lock found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Release {
    /// It was ours, and is gone.
    Released,
    /// It was no longer ours (broken with `infrac state unlock`): nothing was removed. The
    /// current holder, if any.
    NotOurs(Option<LockInfo>),
}

/// A held lock, released when dropped (or explicitly, to see an error).
pub struct StateLock<'b> {
    backend: &'b dyn StateBackend,
    stack: String,
    holder: LockInfo,
    held: bool,
}

impl fmt::Debug for StateLock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateLock")
            .field("stack", &self.stack)
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl<'b> StateLock<'b> {
    pub fn acquire(
        backend: &'b dyn StateBackend,
        stack: &str,
        holder: &LockInfo,
    ) -> Result<StateLock<'b>, StateError> {
        backend.lock(stack, holder)?;
        Ok(StateLock {
            backend,
            stack: stack.to_string(),
            holder: holder.clone(),
            held: true,
        })
    }

    /// Releases the lock if it is still this run's.
    pub fn release(mut self) -> Result<Release, StateError> {
        self.held = false;
        self.backend.release(&self.stack, &self.holder)
    }
}

impl Drop for StateLock<'_> {
    fn drop(&mut self) {
        if self.held {
            // Nothing to report to: a lock left behind is what `infrac state unlock` is for.
            let _ = self.backend.release(&self.stack, &self.holder);
        }
    }
}

/// Checks a save against what is stored: the compare-and-swap rule every backend follows.
pub fn check_save(
    location: &str,
    stored: Option<&State>,
    state: &State,
    expected_serial: Option<u64>,
) -> Result<(), StateError> {
    let found = stored.map(|s| s.serial);
    if found != expected_serial {
        return Err(StateError::Conflict {
            location: location.to_string(),
            expected: expected_serial,
            found,
        });
    }
    if let Some(stored) = stored {
        if stored.lineage != state.lineage {
            return Err(StateError::Lineage {
                location: location.to_string(),
                stored: stored.lineage.clone(),
                writing: state.lineage.clone(),
            });
        }
        if state.serial <= stored.serial {
            return Err(StateError::SerialNotNewer {
                location: location.to_string(),
                serial: state.serial,
                stored: stored.serial,
            });
        }
    }
    Ok(())
}

/// A new lineage id: 128 random bits as a UUID-shaped string. The randomness is the standard
/// library's per-process hash keys (seeded by the OS), mixed with the time and the pid.
pub fn new_lineage() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_usize(i);
        *half = hasher.finish();
    }
    let hex = format!("{:016x}{:016x}", halves[0], halves[1]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Now, as `2026-11-27T07:00:00Z`.
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn host_name() -> String {
    for file in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            let name = text.trim();
            if !name.is_empty() {
                return name.to_string();
            }
        }
    }
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown-host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineages_differ_and_look_like_uuids() {
        let a = new_lineage();
        let b = new_lineage();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn times_are_rfc3339() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.contains('T'), "{now}");
        let leap_day = time::OffsetDateTime::from_unix_timestamp(1_709_164_805).expect("a time");
        assert_eq!(rfc3339(leap_day), "2024-02-29T00:00:05Z");
        assert_eq!(
            rfc3339(time::OffsetDateTime::UNIX_EPOCH),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn this_process_is_alive() {
        let me = LockInfo::current("test");
        assert!(me.who.contains('@'));
        assert_ne!(me.holder_alive(), Some(false));
        let gone = LockInfo {
            pid: u32::MAX - 1,
            ..me.clone()
        };
        assert_ne!(gone.holder_alive(), Some(true));
        let elsewhere = LockInfo {
            who: "someone@another-host.invalid".into(),
            ..me
        };
        assert_eq!(elsewhere.holder_alive(), None);
    }
}
