//! Content hashes of a function's `code` and a task's `build` folder: SHA-256 over the sorted
//! relative paths and the contents of every file, so the same files always give the same hash
//! whatever the file system's order, timestamps or the folder's location. A changed hash is
//! what makes the plan update a function or build a new image.
//!
//! Never packaged, so never hashed: `.git/` and `.infra/` folders (the repository, and the
//! stack's state and lock, which every deploy rewrites), and what the folder's `.infraignore`
//! lists, in gitignore syntax (`*.log`, `/build/`, `!keep.log`). Links are followed while
//! they stay inside the folder; one that leads out of it is an error (its files would ship
//! without being part of the project).

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use infrac_check::FileSystem;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Component, Path, PathBuf};

/// How deep folders may nest: a symbolic link that points up its own tree would otherwise
/// never end.
pub const MAX_DEPTH: usize = 64;

/// Folders never packaged, wherever they are: a repository, and infrac's own state and lock.
pub const NEVER_PACKAGED: [&str; 2] = [".git", ".infra"];

/// The file in a `code` or `build` folder that lists what else to leave out.
pub const IGNORE_FILE: &str = ".infraignore";

/// The files of a function's `code` or a task's `build` path, as `(relative name, full path)`
/// pairs sorted by the byte order of their `/`-separated relative names. A file is a folder
/// holding only that file (by its name), which is what a zip of it holds. Links are followed,
/// to folders too, down to [`MAX_DEPTH`] levels. Left out: [`NEVER_PACKAGED`] folders and
/// what the folder's [`IGNORE_FILE`] lists. This one walk decides both what the plan hashes
/// and what the deploy zips, so the two can never disagree.
pub fn code_files(fs: &dyn FileSystem, path: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if fs.is_dir(path) {
        let ignored = ignore_list(fs, path)?;
        let walk = Walk {
            fs,
            ignored: &ignored,
            real_root: fs.real_path(path)?,
        };
        walk.collect(path, "", 0, &mut files)?;
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
    content_hash_sized(fs, path).map(|(hash, _)| hash)
}

/// How much a folder holds: what a function's zip would be, found by the walk that hashes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeSize {
    /// The size of the stored zip of these files: their bytes plus each entry's headers.
    pub zipped: u64,
    /// The biggest files, largest first (at most three), with their sizes in bytes.
    pub biggest: Vec<(String, u64)>,
}

/// [`content_hash`], and the size of the zip of the same files.
pub fn content_hash_sized(fs: &dyn FileSystem, path: &Path) -> io::Result<(String, CodeSize)> {
    let files = code_files(fs, path)?;
    let mut hasher = Sha256::new();
    let mut size = CodeSize::default();
    let mut sizes: Vec<(u64, &str)> = Vec::with_capacity(files.len());
    hasher.update(b"infrac-content-v1\0");
    for (relative, full) in &files {
        let contents = fs.read(full)?;
        hasher.update((relative.len() as u64).to_le_bytes());
        hasher.update(relative.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
        // A local header (30 bytes) and a central record (46) per entry, each with the name.
        size.zipped += contents.len() as u64 + 76 + 2 * relative.len() as u64;
        sizes.push((contents.len() as u64, relative));
    }
    sizes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    size.biggest = sizes
        .into_iter()
        .take(3)
        .map(|(n, name)| (name.to_string(), n))
        .collect();
    Ok((hex(&hasher.finalize()), size))
}

/// The most Lambda takes as a zip uploaded through its API (`ZipFile`): 50 MB.
pub const LAMBDA_ZIP_MAX: u64 = 50 * 1024 * 1024;

/// The error for a function's code over [`LAMBDA_ZIP_MAX`], naming its biggest files.
pub fn too_big_for_lambda(relative: &str, size: &CodeSize) -> Option<String> {
    if size.zipped <= LAMBDA_ZIP_MAX {
        return None;
    }
    let mb = |n: u64| format!("{:.1} MB", n as f64 / (1024.0 * 1024.0));
    let biggest: Vec<String> = size
        .biggest
        .iter()
        .map(|(name, n)| format!("{name} ({})", mb(*n)))
        .collect();
    Some(format!(
        "`{relative}` makes a {} zip, over Lambda's 50 MB limit for code uploaded directly; the biggest files: {}. Leave out what the function does not need (list it in `.infraignore`), or run it as a `task`",
        mb(size.zipped),
        biggest.join(", ")
    ))
}

/// The folder's [`IGNORE_FILE`], read through `fs`, as a matcher of paths relative to the
/// folder (an empty one when there is no such file). A line that is not a valid pattern is
/// an error naming the file and line.
fn ignore_list(fs: &dyn FileSystem, dir: &Path) -> io::Result<Gitignore> {
    let file = dir.join(IGNORE_FILE);
    let mut builder = GitignoreBuilder::new("");
    if fs.is_file(&file) {
        let bytes = fs.read(&file)?;
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            builder.add_line(None, line).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} line {}: {e}", file.display(), n + 1),
                )
            })?;
        }
    }
    builder.build().map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", file.display()),
        )
    })
}

/// One walk of a folder: what to leave out, and where the folder really is.
struct Walk<'a> {
    fs: &'a dyn FileSystem,
    ignored: &'a Gitignore,
    real_root: PathBuf,
}

impl Walk<'_> {
    fn collect(
        &self,
        dir: &Path,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, PathBuf)>,
    ) -> io::Result<()> {
        let fs = self.fs;
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
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let is_dir = fs.is_dir(&entry);
            if is_dir && NEVER_PACKAGED.contains(&name.as_str())
                || self
                    .ignored
                    .matched(Path::new(&relative), is_dir)
                    .is_ignore()
            {
                continue;
            }
            if !is_dir && !fs.is_file(&entry) {
                continue;
            }
            let real = fs.real_path(&entry)?;
            if !real.starts_with(&self.real_root) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "`{relative}` is a link to {}, outside the folder: copy what it needs into \
                         the folder, or list it in {IGNORE_FILE}",
                        real.display()
                    ),
                ));
            }
            if is_dir {
                self.collect(&entry, &relative, depth + 1, out)?;
            } else {
                out.push((relative, entry));
            }
        }
        Ok(())
    }
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

    fn names(fs: &MemoryFileSystem, dir: &str) -> Vec<String> {
        code_files(fs, Path::new(dir))
            .expect("walks")
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    #[test]
    fn repositories_and_state_are_never_packaged() {
        let fs = files(&[
            ("/p/main.infra", "function f {}"),
            ("/p/index.js", "1"),
            ("/p/.git/HEAD", "ref"),
            ("/p/.infra/state/dev.json", "{}"),
            ("/p/.infra/state/dev.lock", "{}"),
            ("/p/lib/.git/config", "x"),
            ("/p/lib/a.js", "2"),
            ("/p/.gitignore", "x"),
        ]);
        assert_eq!(
            names(&fs, "/p"),
            [".gitignore", "index.js", "lib/a.js", "main.infra"]
        );
        // A deploy rewrites the state; the hash of `code = "."` does not move with it.
        let before = content_hash(&fs, Path::new("/p")).expect("hash");
        let fs = fs.with_file("/p/.infra/state/dev.json", "{\"serial\": 2}");
        assert_eq!(content_hash(&fs, Path::new("/p")).expect("hash"), before);
    }

    #[test]
    fn infraignore_leaves_out_what_it_lists_in_gitignore_syntax() {
        let fs = files(&[
            (
                "/p/.infraignore",
                "# comments and blank lines are fine\n\n*.log\n!keep.log\n/build/\ntests\n",
            ),
            ("/p/index.js", "1"),
            ("/p/debug.log", "x"),
            ("/p/keep.log", "k"),
            ("/p/build/out.js", "x"),
            ("/p/src/build/kept.js", "2"),
            ("/p/src/tests/a.test.js", "x"),
            ("/p/tests/b.test.js", "x"),
        ]);
        assert_eq!(
            names(&fs, "/p"),
            [".infraignore", "index.js", "keep.log", "src/build/kept.js"]
        );
        let before = content_hash(&fs, Path::new("/p")).expect("hash");
        let fs = fs.with_file("/p/debug.log", "more");
        assert_eq!(content_hash(&fs, Path::new("/p")).expect("hash"), before);
    }

    #[test]
    fn a_bad_infraignore_line_is_an_error_naming_it() {
        let fs = files(&[("/p/.infraignore", "ok.txt\n[z-a\n"), ("/p/a.js", "1")]);
        let err = code_files(&fs, Path::new("/p")).expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string().starts_with("/p/.infraignore line 2: "),
            "{err}"
        );
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
