//! What the server knows between requests: the open documents (ropey, edited in place), and per
//! project a generation counter and the last analysis. Open buffers take precedence over disk
//! through [`OverlayFs`], so the compiler sees what the user sees.

use crate::caps::Encoding;
use crate::from_proto::char_index;
use crate::hashing::HashCache;
use infrac_check::project::{
    build_project, load_project_cached, DiskFileSystem, FileSystem, LoadError, ParseCache,
};
use infrac_ide::Analysis;
use infrac_plan::state::State;
use infrac_state::{LocalBackend, StateBackend};
use ropey::Rope;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

pub struct Document {
    pub uri: Uri,
    pub rope: Rope,
    pub version: i32,
}

/// The state of one project (a directory).
#[derive(Default)]
pub struct ProjectState {
    /// Grows with every change to a file of the project.
    pub generation: u64,
    /// The newest analysis and the generation it was made from.
    pub analysis: Option<(u64, Arc<Analysis>)>,
    /// What each file was last sent, and for open documents at which version: unchanged
    /// diagnostics are not sent again, and files that left the project get an empty list.
    pub published: HashMap<PathBuf, (Option<i32>, Vec<tower_lsp_server::ls_types::Diagnostic>)>,
    /// Parses of unchanged files are reused from one analysis to the next.
    pub parses: Arc<Mutex<ParseCache>>,
    /// Whether each secret is set in the stack, shared by the project's analyses (see
    /// `secrets.rs`), and when AWS was last asked.
    pub secrets: infrac_ide::SecretStatuses,
    pub secrets_asked: Option<std::time::Instant>,
}

#[derive(Default)]
pub struct Workspace {
    pub documents: HashMap<PathBuf, Document>,
    pub projects: HashMap<PathBuf, ProjectState>,
    retired: Vec<Arc<Analysis>>,
    /// Where analyses get the hashes of `code` and `build` folders (without it, lowering
    /// hashes by reading, as the command line does).
    pub hashes: Option<Arc<HashCache>>,
}

/// The project a file belongs to: its directory.
pub fn project_root(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

impl Workspace {
    pub fn open(&mut self, path: &Path, uri: Uri, text: &str, version: i32) -> PathBuf {
        self.documents.insert(
            path.to_path_buf(),
            Document {
                uri,
                rope: Rope::from_str(text),
                version,
            },
        );
        self.touch(path)
    }

    /// Applies changes in order; `false` when the version is not newer than the one held (a
    /// stale change, ignored) or the document is not open.
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let Some(doc) = self.documents.get_mut(path) else {
            return false;
        };
        if version <= doc.version {
            return false;
        }
        for change in changes {
            match change.range {
                None => doc.rope = Rope::from_str(&change.text),
                Some(range) => {
                    let start = char_index(encoding, &doc.rope, range.start);
                    let end = char_index(encoding, &doc.rope, range.end).max(start);
                    doc.rope.remove(start..end);
                    doc.rope.insert(start, &change.text);
                }
            }
        }
        doc.version = version;
        self.touch(path);
        true
    }

    pub fn close(&mut self, path: &Path) {
        self.documents.remove(path);
        self.touch(path);
    }

    /// Marks the project of `path` changed; returns its root, and the analysis that is no
    /// longer current (for the caller to drop off the request path: freeing a large model
    /// takes a while, and holding two at once doubles the memory).
    pub fn touch(&mut self, path: &Path) -> PathBuf {
        let root = project_root(path);
        let project = self.projects.entry(root.clone()).or_default();
        project.generation += 1;
        if let Some((_, old)) = project.analysis.take() {
            self.retired.push(old);
        }
        root
    }

    /// Analyses that are no longer current, to be dropped elsewhere.
    pub fn take_retired(&mut self) -> Vec<Arc<Analysis>> {
        std::mem::take(&mut self.retired)
    }

    pub fn generation(&self, root: &Path) -> u64 {
        self.projects.get(root).map_or(0, |p| p.generation)
    }

    /// The newest analysis of a project, if it is current.
    pub fn current_analysis(&self, root: &Path) -> Option<Arc<Analysis>> {
        let project = self.projects.get(root)?;
        match &project.analysis {
            Some((generation, analysis)) if *generation == project.generation => {
                Some(analysis.clone())
            }
            _ => None,
        }
    }

    /// What is needed to analyse a project away from the lock: the open documents in it.
    pub fn snapshot(&self, root: &Path) -> Snapshot {
        let overlay = self
            .documents
            .iter()
            .filter(|(path, _)| project_root(path) == root)
            .map(|(path, doc)| (path.clone(), doc.rope.to_string()))
            .collect();
        Snapshot {
            root: root.to_path_buf(),
            generation: self.generation(root),
            fs: Arc::new(OverlayFs {
                overlay,
                hashes: self.hashes.clone(),
            }),
            parses: self
                .projects
                .get(root)
                .map(|p| p.parses.clone())
                .unwrap_or_default(),
            secrets: self
                .projects
                .get(root)
                .map(|p| p.secrets.clone())
                .unwrap_or_default(),
        }
    }

    /// Keeps an analysis if nothing changed since its snapshot; returns whether it was kept.
    pub fn store(&mut self, root: &Path, generation: u64, analysis: Arc<Analysis>) -> bool {
        let project = self.projects.entry(root.to_path_buf()).or_default();
        if project.generation != generation {
            return false;
        }
        project.analysis = Some((generation, analysis));
        true
    }
}

pub struct Snapshot {
    pub root: PathBuf,
    pub generation: u64,
    pub fs: Arc<OverlayFs>,
    pub parses: Arc<Mutex<ParseCache>>,
    pub secrets: infrac_ide::SecretStatuses,
}

impl Snapshot {
    /// Loads, parses and checks the project (run it off the async runtime). A project that
    /// cannot be loaded (its folder is gone) is an empty analysis, so that waiting queries get
    /// their empty answer, plus the reason.
    pub fn analyse(&self) -> (Analysis, Option<LoadError>) {
        let mut parses = self
            .parses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (project, error) = match load_project_cached(self.fs.as_ref(), &self.root, &mut parses)
        {
            Ok(project) => (project, None),
            Err(err) => (
                build_project(self.root.clone(), Vec::new(), None),
                Some(err),
            ),
        };
        let state = read_state(&self.root, "dev");
        let fs: Arc<dyn FileSystem + Send + Sync> = self.fs.clone();
        let analysis = Analysis::new(project, fs)
            .with_stack("dev", state)
            .with_secret_statuses(self.secrets.clone());
        (analysis, error)
    }
}

/// The stack's state when it is kept locally (the S3 backend needs AWS, which hover does not
/// call).
fn read_state(root: &Path, stack: &str) -> Option<State> {
    LocalBackend::for_project(root).load(stack).ok().flatten()
}

/// The disk, with open documents in place of their files, and folder hashes from the cache.
pub struct OverlayFs {
    overlay: HashMap<PathBuf, String>,
    hashes: Option<Arc<HashCache>>,
}

impl FileSystem for OverlayFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.overlay.get(path) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => DiskFileSystem.read(path),
        }
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = DiskFileSystem.list_dir(dir).unwrap_or_default();
        for path in self.overlay.keys() {
            if path.parent() == Some(dir) && !out.contains(path) {
                out.push(path.clone());
            }
        }
        if out.is_empty() && !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                dir.display().to_string(),
            ));
        }
        Ok(out)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.overlay.contains_key(path) || path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir() || self.overlay.keys().any(|p| p.parent() == Some(path))
    }

    fn cached_content_hash(&self, path: &Path) -> Option<io::Result<String>> {
        Some(self.hashes.as_ref()?.lookup(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    #[test]
    fn stale_changes_are_ignored() {
        let mut ws = Workspace::default();
        let path = PathBuf::from("/p/main.infra");
        let uri = Uri::from_file_path(&path).expect("uri");
        ws.open(&path, uri, "bucket a {}\n", 3);
        let change = |text: &str| TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.to_string(),
        };
        assert!(!ws.change(&path, 3, vec![change("bucket b {}\n")], Encoding::Utf16));
        assert!(ws.change(&path, 4, vec![change("bucket c {}\n")], Encoding::Utf16));
        assert_eq!(ws.documents[&path].rope.to_string(), "bucket c {}\n");
        let edit = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 7), Position::new(0, 8))),
            range_length: None,
            text: "media".to_string(),
        };
        assert!(ws.change(&path, 5, vec![edit], Encoding::Utf16));
        assert_eq!(ws.documents[&path].rope.to_string(), "bucket media {}\n");
    }
}
