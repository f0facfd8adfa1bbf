//! The local backend: `.infra/state/<stack>.json` in the project folder, written atomically
//! (a temporary file in the same folder, fsync, rename over the old one, fsync the folder),
//! and `.infra/state/<stack>.lock`, created exclusively, holding who took it and when.

use crate::{check_save, LockInfo, Release, StateBackend, StateError};
use infrac_plan::state::State;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

#[derive(Clone, Debug)]
pub struct LocalBackend {
    dir: PathBuf,
}

impl LocalBackend {
    /// The backend of the project in `project_root`.
    pub fn for_project(project_root: &Path) -> LocalBackend {
        LocalBackend {
            dir: project_root.join(".infra").join("state"),
        }
    }

    pub fn state_path(&self, stack: &str) -> PathBuf {
        self.dir.join(format!("{stack}.json"))
    }

    pub fn lock_path(&self, stack: &str) -> PathBuf {
        self.dir.join(format!("{stack}.lock"))
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
        move |source| StateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read_state(&self, stack: &str) -> Result<Option<State>, StateError> {
        let path = self.state_path(stack);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(Self::io(&path)(err)),
        };
        State::parse(&text)
            .map(Some)
            .map_err(|err| StateError::Corrupt {
                location: path.display().to_string(),
                message: err.to_string(),
            })
    }

    /// The lock's holder; `None` when there is no lock, or one that cannot be read.
    fn read_lock(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        let path = self.lock_path(stack);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(serde_json::from_str(&text).ok()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Self::io(&path)(err)),
        }
    }
}

impl StateBackend for LocalBackend {
    fn location(&self, stack: &str) -> String {
        self.state_path(stack).display().to_string()
    }

    fn lock_location(&self, stack: &str) -> String {
        self.lock_path(stack).display().to_string()
    }

    fn load(&self, stack: &str) -> Result<Option<State>, StateError> {
        self.read_state(stack)
    }

    fn save(
        &self,
        stack: &str,
        state: &State,
        expected_serial: Option<u64>,
    ) -> Result<(), StateError> {
        // Between processes, the stack lock keeps writers apart; within one, this does, so the
        // read, the check and the rename are one step.
        static SAVING: Mutex<()> = Mutex::new(());
        let _saving = SAVING.lock().unwrap_or_else(PoisonError::into_inner);
        let path = self.state_path(stack);
        let stored = self.read_state(stack)?;
        check_save(
            &path.display().to_string(),
            stored.as_ref(),
            state,
            expected_serial,
        )?;
        fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        write_atomically(&path, state.to_json().as_bytes()).map_err(Self::io(&path))
    }

    fn lock(&self, stack: &str, holder: &LockInfo) -> Result<(), StateError> {
        fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        let path = self.lock_path(stack);
        let mut file = match private_file().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let holder = self.read_lock(stack)?;
                return Err(StateError::Locked {
                    location: path.display().to_string(),
                    holder: holder.map(Box::new),
                });
            }
            Err(err) => return Err(Self::io(&path)(err)),
        };
        let text = serde_json::to_string_pretty(holder).unwrap_or_default();
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all());
        if let Err(err) = written {
            // A lock nobody can read would only confuse the next run.
            drop(file);
            let _ = fs::remove_file(&path);
            return Err(Self::io(&path)(err));
        }
        Ok(())
    }

    fn lock_holder(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        self.read_lock(stack)
    }

    fn release(&self, stack: &str, holder: &LockInfo) -> Result<Release, StateError> {
        // Read, compare, remove: another process could only slip in between by breaking this
        // run's lock and taking it within the same instant, which a local file cannot prevent.
        match self.read_lock(stack)? {
            Some(current) if current.token == holder.token && !holder.token.is_empty() => {
                let path = self.lock_path(stack);
                match fs::remove_file(&path) {
                    Ok(()) => sync_dir(&self.dir).map_err(Self::io(&self.dir))?,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => return Err(Self::io(&path)(err)),
                }
                Ok(Release::Released)
            }
            other => Ok(Release::NotOurs(other)),
        }
    }

    fn unlock(&self, stack: &str) -> Result<Option<LockInfo>, StateError> {
        let holder = self.read_lock(stack)?;
        let path = self.lock_path(stack);
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&self.dir).map_err(Self::io(&self.dir))?;
                Ok(holder)
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Self::io(&path)(err)),
        }
    }

    fn stacks(&self) -> Result<Vec<String>, StateError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(Self::io(&self.dir)(err)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let path = entry.map_err(Self::io(&self.dir))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                if let Some(stem) = path.file_stem() {
                    out.push(stem.to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Writes `bytes` to `path` so that `path` holds either its old contents or all of the new,
/// whatever happens: a crash, a full disk, a kill.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = private_file().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Options for a new file only its owner can read and write (0600 on Unix): states and locks
/// name accounts, resources and the people who deploy them.
fn private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Makes a rename or a removal in `dir` durable. Only Unix can open a folder to sync it; on
/// other systems the rename itself is what there is.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}
