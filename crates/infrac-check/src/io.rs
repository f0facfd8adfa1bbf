//! File access for the compiler: the one trait every pass reads through, and the in-memory
//! implementation that tests, benchmarks and anything without a disk use. The disk itself is
//! `project::DiskFileSystem`; the language server layers its open buffers over it.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The file access the compiler needs, and nothing more.
pub trait FileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The files and folders directly in `dir` (not below it).
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// Where `path` really is, every link on the way followed (the disk's `canonicalize`).
    /// The walker of `code` and `build` folders uses it to refuse a link that leaves the
    /// folder. A file system without links (the default) answers `path` itself.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(path.to_path_buf())
    }
    /// The content hash of a `code` or `build` path, when this file system keeps one (the
    /// language server hashes away from its requests and answers from a cache); `None` has
    /// the caller hash by reading.
    fn cached_content_hash(&self, _path: &Path) -> Option<io::Result<String>> {
        None
    }
}

/// Files held in memory. Folders exist by holding something: every ancestor of a file is a
/// folder. A file can also be made unreadable, to show what a pass does when a read fails.
#[derive(Clone, Debug, Default)]
pub struct MemoryFileSystem {
    files: BTreeMap<PathBuf, Result<Vec<u8>, io::ErrorKind>>,
}

impl MemoryFileSystem {
    pub fn new() -> MemoryFileSystem {
        MemoryFileSystem::default()
    }

    /// Adds (or replaces) a file.
    #[must_use]
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), Ok(contents.into()));
        self
    }

    /// Adds a file that is listed but fails to read with `kind`.
    #[must_use]
    pub fn with_unreadable_file(mut self, path: impl Into<PathBuf>, kind: io::ErrorKind) -> Self {
        self.files.insert(path.into(), Err(kind));
        self
    }
}

impl FileSystem for MemoryFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(Ok(contents)) => Ok(contents.clone()),
            Some(Err(kind)) => Err(io::Error::new(*kind, path.display().to_string())),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                path.display().to_string(),
            )),
        }
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        if !self.is_dir(dir) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                dir.display().to_string(),
            ));
        }
        let mut out: Vec<PathBuf> = Vec::new();
        for path in self.files.keys() {
            if let Ok(rest) = path.strip_prefix(dir) {
                if let Some(first) = rest.components().next() {
                    let child = dir.join(first);
                    if out.last() != Some(&child) {
                        out.push(child);
                    }
                }
            }
        }
        Ok(out)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files
            .keys()
            .any(|p| p.as_path() != path && p.starts_with(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> MemoryFileSystem {
        MemoryFileSystem::new()
            .with_file("/p/main.infra", "bucket b {}")
            .with_file("/p/app/index.js", "x")
            .with_file("/p/app/lib/util.js", "y")
            .with_unreadable_file("/p/secret.txt", io::ErrorKind::PermissionDenied)
    }

    #[test]
    fn folders_exist_by_holding_files() {
        let fs = tree();
        assert!(fs.is_dir(Path::new("/p")) && fs.is_dir(Path::new("/p/app/lib")));
        assert!(!fs.is_dir(Path::new("/p/main.infra")) && !fs.is_dir(Path::new("/q")));
        assert!(fs.is_file(Path::new("/p/app/index.js")) && !fs.is_file(Path::new("/p/app")));
        // `.` in the middle of a path is the same path, as on disk.
        assert!(fs.is_file(Path::new("/p/./app/index.js")));
    }

    #[test]
    fn a_listing_holds_each_child_once() {
        let listed = tree().list_dir(Path::new("/p")).expect("a folder");
        let names: Vec<_> = listed.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(names, ["/p/app", "/p/main.infra", "/p/secret.txt"]);
        assert_eq!(
            tree().list_dir(Path::new("/nowhere")).map_err(|e| e.kind()),
            Err(io::ErrorKind::NotFound)
        );
    }

    #[test]
    fn reads_give_contents_or_the_error_asked_for() {
        let fs = tree();
        assert_eq!(
            fs.read(Path::new("/p/app/lib/util.js")).expect("a file"),
            b"y"
        );
        let denied = fs.read(Path::new("/p/secret.txt")).expect_err("unreadable");
        assert_eq!(denied.kind(), io::ErrorKind::PermissionDenied);
        let missing = fs.read(Path::new("/p/app")).expect_err("a folder");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
