//! Content hashes of a function's `code` and a task's `build` folder: SHA-256 over the sorted
//! relative paths and the contents of every file, so the same files always give the same hash
//! whatever the file system's order, timestamps or the folder's location. A changed hash is
//! what makes the plan update a function or build a new image.

use infrac_check::FileSystem;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Component, Path, PathBuf};

/// How deep folders may nest: a symbolic link that points up its own tree would otherwise
/// never end.
pub const MAX_DEPTH: usize = 64;

/// The files of a function's `code` or a task's `build` path, as `(relative name, full path)`
/// pairs sorted by the byte order of their `/`-separated relative names. A file is a folder
/// holding only that file (by its name), which is what a zip of it holds. Links are followed,
/// to folders too, down to [`MAX_DEPTH`] levels. This one walk decides both what the plan
/// hashes and what the deploy zips, so the two can never disagree.
pub fn code_files(fs: &dyn FileSystem, path: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if fs.is_dir(path) {
        collect(fs, path, "", 0, &mut files)?;
    } else if fs.is_file(path) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, path.to_path_buf()));
    } else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} does not exist", path.display()),
        ));
    }
    // Byte order of the `/`-separated relative paths: the same on every platform.
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The hash of a file or a folder (the files [`code_files`] finds), as 64 lower-case hex digits.
pub fn content_hash(fs: &dyn FileSystem, path: &Path) -> io::Result<String> {
    let files = code_files(fs, path)?;
    let mut hasher = Sha256::new();
    hasher.update(b"infrac-content-v1\0");
    for (relative, full) in &files {
        let contents = fs.read(full)?;
        hasher.update((relative.len() as u64).to_le_bytes());
        hasher.update(relative.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
    }
    Ok(hex(&hasher.finalize()))
}

fn collect(
    fs: &dyn FileSystem,
    dir: &Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, PathBuf)>,
) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other(format!(
            "{} nests more than {MAX_DEPTH} folders deep (a link that loops?)",
            dir.display()
        )));
    }
    for entry in fs.list_dir(dir)? {
        let Some(name) = entry.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if fs.is_dir(&entry) {
            collect(fs, &entry, &relative, depth + 1, out)?;
        } else if fs.is_file(&entry) {
            out.push((relative, entry));
        }
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[(byte >> 4) as usize]));
        out.push(char::from(HEX[(byte & 0xf) as usize]));
    }
    out
}

/// `path` relative to `root`, with `/` separators and no `.` parts: what plans show and what
/// the deploy engine joins back to the project folder. A path outside `root` keeps its `..`.
pub fn relative_display(root: &Path, path: &Path) -> String {
    let path = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::RootDir => parts.push(String::new()),
            Component::Prefix(prefix) => {
                parts.push(prefix.as_os_str().to_string_lossy().into_owned());
            }
        }
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_check::MemoryFileSystem;

    fn files(list: &[(&str, &str)]) -> MemoryFileSystem {
        list.iter()
            .fold(MemoryFileSystem::new(), |fs, (p, c)| fs.with_file(*p, *c))
    }

    #[test]
    fn same_files_same_hash_in_any_order_and_place() {
        let hash = |list: &[(&str, &str)], dir: &str| {
            content_hash(&files(list), Path::new(dir)).expect("hash")
        };
        let first = hash(&[("/x/app/a.js", "1"), ("/x/app/lib/b.js", "2")], "/x/app");
        assert_eq!(first.len(), 64);
        let moved = hash(&[("/y/src/lib/b.js", "2"), ("/y/src/a.js", "1")], "/y/src");
        assert_eq!(first, moved);
        let edited = hash(&[("/x/app/a.js", "1"), ("/x/app/lib/b.js", "3")], "/x/app");
        assert_ne!(first, edited);
        // Moving bytes between files, or between a name and its contents, changes it too.
        let shifted = hash(&[("/x/app/a.js", "12"), ("/x/app/lib/b.js", "")], "/x/app");
        assert_ne!(first, shifted);
        let renamed = hash(&[("/x/app/a.j", "s1"), ("/x/app/lib/b.js", "2")], "/x/app");
        assert_ne!(first, renamed);
    }

    #[test]
    fn a_file_hashes_by_its_name() {
        let x = files(&[("/x/index.js", "1")]);
        let y = files(&[("/y/index.js", "1")]);
        assert_eq!(
            content_hash(&x, Path::new("/x/index.js")).expect("hash"),
            content_hash(&y, Path::new("/y/index.js")).expect("hash")
        );
        assert!(content_hash(&x, Path::new("/nope")).is_err());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_display(Path::new("/p"), Path::new("/p/./code")),
            "code"
        );
        assert_eq!(
            relative_display(Path::new("/p"), Path::new("/p/a/../b")),
            "b"
        );
        assert_eq!(
            relative_display(Path::new("p"), Path::new("p/../q/c")),
            "../q/c"
        );
        assert_eq!(relative_display(Path::new("/p"), Path::new("/p")), ".");
    }
}
