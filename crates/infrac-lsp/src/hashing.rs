//! Content hashes of `code` and `build` folders for the editor, computed away from requests.
//!
//! Hover and code lenses lower a declaration, and lowering hashes its `code` or `build`
//! folder. Done inline, one `code = "/"` made a hover read the whole disk. Here a request only
//! looks at the cache (and `stat`s the path): a hash never computed answers [`PENDING`], a
//! known one answers at once (even if it is being checked again), and one thread hashes in
//! the background, with a cap on bytes, files and time. When a hash it computed differs from
//! the one it had, the server is told, and makes a new analysis (so hover shows the new value).
//!
//! The hash is the command line's (`infrac_plan::hash::content_hash`), over the disk.

use infrac_check::project::{DiskFileSystem, FileSystem};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// What a hash not yet computed shows.
pub const PENDING: &str = "(hashing...)";

/// How much one hash may read, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub bytes: u64,
    pub files: u64,
    pub time: Duration,
    /// A hash older than this is checked again (in the background) when asked for: files
    /// inside a folder change without changing the folder's own modification time.
    pub fresh_for: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            bytes: 256 << 20,
            files: 20_000,
            time: Duration::from_secs(10),
            fresh_for: Duration::from_secs(5),
        }
    }
}

struct Entry {
    /// The path's modification time when it was hashed.
    modified: Option<SystemTime>,
    checked: Instant,
    /// `Err` holds the message (an `io::Error` is not `Clone`).
    result: Option<Result<String, String>>,
    running: bool,
}

struct Shared {
    entries: Mutex<HashMap<PathBuf, Entry>>,
    limits: Limits,
    /// Called after a hash changed.
    changed: Box<dyn Fn() + Send + Sync>,
}

/// The cache, and the queue of its hashing thread.
pub struct HashCache {
    shared: Arc<Shared>,
    jobs: Mutex<mpsc::Sender<PathBuf>>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl HashCache {
    /// Starts the hashing thread; `changed` is called (on that thread) when a hash changed.
    pub fn start(limits: Limits, changed: impl Fn() + Send + Sync + 'static) -> Arc<Self> {
        let shared = Arc::new(Shared {
            entries: Mutex::new(HashMap::new()),
            limits,
            changed: Box::new(changed),
        });
        let (jobs, queue) = mpsc::channel::<PathBuf>();
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("infrac-hashing".to_string())
            .spawn(move || {
                while let Ok(path) = queue.recv() {
                    worker.hash(&path);
                }
            });
        if let Err(err) = spawned {
            eprintln!("infrac: cannot start the hashing thread: {err}");
        }
        Arc::new(Self {
            shared,
            jobs: Mutex::new(jobs),
        })
    }

    /// The hash of `path` as far as it is known, without reading the files: the last value
    /// computed, or [`PENDING`]. Starts a hash in the background when there is none or it may
    /// be stale.
    pub fn lookup(&self, path: &Path) -> io::Result<String> {
        let now_modified = modified(path);
        let mut entries = self
            .shared
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = entries.entry(path.to_path_buf()).or_insert(Entry {
            modified: None,
            checked: Instant::now(),
            result: None,
            running: false,
        });
        let stale = entry.result.is_none()
            || entry.modified != now_modified
            || entry.checked.elapsed() > self.shared.limits.fresh_for;
        if stale && !entry.running {
            entry.running = true;
            let sent = self
                .jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(path.to_path_buf());
            if sent.is_err() {
                entry.running = false;
            }
        }
        match &entry.result {
            None => Ok(PENDING.to_string()),
            Some(Ok(hash)) => Ok(hash.clone()),
            Some(Err(message)) => Err(io::Error::other(message.clone())),
        }
    }
}

impl Shared {
    fn hash(&self, path: &Path) {
        let modified = modified(path);
        let fs = CappedFs {
            limits: self.limits,
            started: Instant::now(),
            bytes: AtomicU64::new(0),
            files: AtomicU64::new(0),
        };
        let result = infrac_plan::hash::content_hash(&fs, path).map_err(|err| err.to_string());
        let changed = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(entry) = entries.get_mut(path) else {
                return;
            };
            let changed = entry.result.as_ref() != Some(&result);
            entry.result = Some(result);
            entry.modified = modified;
            entry.checked = Instant::now();
            entry.running = false;
            changed
        };
        if changed {
            (self.changed)();
        }
    }
}

/// The disk, refusing to read past the limits.
struct CappedFs {
    limits: Limits,
    started: Instant,
    bytes: AtomicU64,
    files: AtomicU64,
}

impl CappedFs {
    fn check(&self) -> io::Result<()> {
        let limits = &self.limits;
        if self.bytes.load(Ordering::Relaxed) > limits.bytes {
            return Err(io::Error::other(format!(
                "more than {} MiB to hash; the editor does not hash it (infrac plan does)",
                limits.bytes >> 20
            )));
        }
        if self.files.load(Ordering::Relaxed) > limits.files {
            return Err(io::Error::other(format!(
                "more than {} files to hash; the editor does not hash it (infrac plan does)",
                limits.files
            )));
        }
        if self.started.elapsed() > limits.time {
            return Err(io::Error::other(format!(
                "hashing took over {} s; the editor gave up (infrac plan does not)",
                limits.time.as_secs()
            )));
        }
        Ok(())
    }
}

impl FileSystem for CappedFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.check()?;
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        self.bytes.fetch_add(size, Ordering::Relaxed);
        self.check()?;
        DiskFileSystem.read(path)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        self.check()?;
        let entries = DiskFileSystem.list_dir(dir)?;
        self.files
            .fetch_add(entries.len() as u64, Ordering::Relaxed);
        self.check()?;
        Ok(entries)
    }

    fn is_file(&self, path: &Path) -> bool {
        DiskFileSystem.is_file(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        DiskFileSystem.is_dir(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("infrac-hashing-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    /// Asks until the answer is no longer pending.
    fn settled(cache: &HashCache, path: &Path) -> io::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answer = cache.lookup(path);
            if answer.as_deref().ok() != Some(PENDING) || Instant::now() > deadline {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn pending_first_then_the_command_lines_hash() {
        let dir = temp_dir("small");
        std::fs::write(dir.join("index.js"), "exports.handler = 1;\n").expect("write");
        let (tx, rx) = mpsc::channel();
        let cache = HashCache::start(Limits::default(), move || {
            let _ = tx.send(());
        });
        assert_eq!(cache.lookup(&dir).expect("pending"), PENDING);
        rx.recv_timeout(Duration::from_secs(20))
            .expect("told when the hash is known");
        let expected = infrac_plan::hash::content_hash(&DiskFileSystem, &dir).expect("hash");
        assert_eq!(cache.lookup(&dir).expect("hash"), expected);
    }

    #[test]
    fn a_changed_folder_shows_the_last_value_until_hashed_again() {
        let dir = temp_dir("changing");
        std::fs::write(dir.join("a.js"), "1").expect("write");
        let limits = Limits {
            fresh_for: Duration::ZERO,
            ..Limits::default()
        };
        let cache = HashCache::start(limits, || {});
        let first = settled(&cache, &dir).expect("hash");
        // `settled` asks again and again, and with `fresh_for` zero each ask may start a hash:
        // wait until none is running, or one could read the file written next and answer
        // with the new value before the lookup below.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline
            && cache
                .shared
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&dir)
                .is_some_and(|e| e.running)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::fs::write(dir.join("a.js"), "2").expect("write");
        // The next answer is the last known one, while the new one is computed.
        assert_eq!(cache.lookup(&dir).expect("hash"), first);
        let deadline = Instant::now() + Duration::from_secs(20);
        while cache.lookup(&dir).expect("hash") == first && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_ne!(cache.lookup(&dir).expect("hash"), first);
    }

    #[test]
    fn too_much_to_hash_is_an_error_not_a_wait() {
        let dir = temp_dir("large");
        std::fs::write(dir.join("big.bin"), vec![0u8; 4096]).expect("write");
        let limits = Limits {
            bytes: 1024,
            ..Limits::default()
        };
        let cache = HashCache::start(limits, || {});
        let err = settled(&cache, &dir).expect_err("over the cap");
        assert!(err.to_string().starts_with("more than 0 MiB"), "{err}");
        let many = temp_dir("many");
        for i in 0..5 {
            std::fs::write(many.join(format!("{i}.js")), "x").expect("write");
        }
        let limits = Limits {
            files: 3,
            ..Limits::default()
        };
        let cache = HashCache::start(limits, || {});
        let err = settled(&cache, &many).expect_err("over the cap");
        assert!(err.to_string().starts_with("more than 3 files"), "{err}");
    }
}
