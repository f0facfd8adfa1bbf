//! Projects: a directory of `.infra` files plus an optional `infra.toml`. All file access goes
//! through [`FileSystem`], so the CLI reads the disk while the language server overlays its
//! unsaved buffers, and both get the same diagnostics from the same function.

use infrac_syntax::{parse as parse_text, Code, Diagnostic, FileId, LineIndex, Parsed, Span};
use serde::Deserialize;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use crate::io::FileSystem;

/// The real disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskFileSystem;

impl FileSystem for DiskFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            out.push(entry?.path());
        }
        Ok(out)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// What `infra.toml` says, with defaults filled in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub name: String,
    pub region: Option<String>,
    pub state_backend: StateBackend,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum StateBackend {
    #[default]
    Local,
    S3 {
        bucket: String,
        prefix: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    name: Option<toml::Spanned<String>>,
    region: Option<String>,
    state: Option<RawState>,
    network: Option<RawNetwork>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawState {
    backend: Option<toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    #[serde(default)]
    subnets: Vec<String>,
    #[serde(default)]
    security_groups: Vec<String>,
}

/// One source file of a project.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as given to the loader (relative paths stay relative, for messages).
    pub path: PathBuf,
    pub text: String,
    /// Built when first asked for ([`SourceFile::line_index`]): a check that finds nothing
    /// to report never needs one.
    line_index: OnceLock<Arc<LineIndex>>,
    /// The tree of a `.infra` file; `None` for `infra.toml`, which is not `.infra` source, and
    /// for every file of a project loaded with [`load_project_unparsed`]. Shared with a
    /// [`ParseCache`].
    pub parsed: Option<Arc<Parsed>>,
    /// Whether this is `.infra` source (not `infra.toml`), parsed or not.
    pub is_infra: bool,
}

/// Parses kept between builds of one project. The language server builds the project again
/// after every edit; with a cache only the files whose text changed are parsed again.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<PathBuf, CachedParse>,
}

#[derive(Debug)]
struct CachedParse {
    id: FileId,
    text: String,
    parsed: Arc<Parsed>,
    line_index: Arc<LineIndex>,
}

impl ParseCache {
    /// The parse of `text` as file `id`, from the cache when nothing changed.
    fn parse(&mut self, path: &Path, id: FileId, text: &str) -> (Arc<Parsed>, Arc<LineIndex>) {
        let mut incremental = None;
        if let Some(cached) = self.files.get_mut(path) {
            // Diagnostics carry the file id, so a file whose id moved is parsed again.
            if cached.id == id && cached.text == text {
                return (cached.parsed.clone(), cached.line_index.clone());
            }
            // An edit: read again only the declarations it touched, when that is sure to
            // give what a full parse gives; into the old parse itself when nothing else holds
            // it (the declarations after the edit then move without being copied).
            if cached.id == id {
                if let Some(parsed) = Arc::get_mut(&mut cached.parsed) {
                    if infrac_syntax::reparse_in_place(parsed, &cached.text, text, id) {
                        text.clone_into(&mut cached.text);
                        cached.line_index = Arc::new(LineIndex::new(text));
                        return (cached.parsed.clone(), cached.line_index.clone());
                    }
                } else {
                    incremental = infrac_syntax::reparse(&cached.parsed, &cached.text, text, id);
                }
            }
        }
        let parsed = Arc::new(incremental.unwrap_or_else(|| parse_text(text, id)));
        let line_index = Arc::new(LineIndex::new(text));
        self.files.insert(
            path.to_path_buf(),
            CachedParse {
                id,
                text: text.to_string(),
                parsed: parsed.clone(),
                line_index: line_index.clone(),
            },
        );
        (parsed, line_index)
    }

    /// Forgets files that are no longer part of the project.
    fn retain(&mut self, paths: &[PathBuf]) {
        self.files.retain(|p, _| paths.contains(p));
    }
}

impl SourceFile {
    /// Where each line of the text starts.
    pub fn line_index(&self) -> &LineIndex {
        self.line_index
            .get_or_init(|| Arc::new(LineIndex::new(&self.text)))
    }

    pub fn syntax(&self) -> Option<&infrac_syntax::ast::SourceFile> {
        self.parsed.as_deref().map(|p| &p.file)
    }
}

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub settings: Settings,
    pub files: Vec<SourceFile>,
    /// Diagnostics of loading: bad UTF-8, a bad `infra.toml`, syntax errors.
    pub diagnostics: Vec<Diagnostic>,
}

impl Project {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn file_by_path(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The `.infra` files with their trees.
    pub fn sources(&self) -> impl Iterator<Item = (&SourceFile, &infrac_syntax::ast::SourceFile)> {
        self.files.iter().filter_map(|f| f.syntax().map(|s| (f, s)))
    }

    /// The `.infra` files, parsed or not.
    pub fn infra_files(&self) -> Vec<FileId> {
        self.files
            .iter()
            .filter(|f| f.is_infra)
            .map(|f| f.id)
            .collect()
    }

    /// The folder holding a file: relative paths in it (`code`, `build`) start there.
    pub fn dir_of(&self, id: FileId) -> PathBuf {
        self.file(id)
            .path
            .parent()
            .map_or_else(|| self.root.clone(), Path::to_path_buf)
    }
}

#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    NotInfra(PathBuf),
    NoSources(PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "no such file or directory: {}", p.display()),
            LoadError::NotInfra(p) => write!(
                f,
                "{} is not a .infra file or a project directory",
                p.display()
            ),
            LoadError::NoSources(p) => write!(f, "no .infra files in {}", p.display()),
            LoadError::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// The project a path names: a directory, or the directory of a `.infra` file.
pub fn project_root(fs: &dyn FileSystem, path: &Path) -> Result<PathBuf, LoadError> {
    if fs.is_dir(path) {
        return Ok(path.to_path_buf());
    }
    if fs.is_file(path) {
        if path.extension().is_some_and(|e| e == "infra") {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            return Ok(parent.map_or_else(|| PathBuf::from("."), Path::to_path_buf));
        }
        return Err(LoadError::NotInfra(path.to_path_buf()));
    }
    Err(LoadError::NotFound(path.to_path_buf()))
}

/// The `.infra` files directly in a project folder, sorted.
pub fn source_paths(fs: &dyn FileSystem, root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut paths: Vec<PathBuf> = fs
        .list_dir(root)
        .map_err(|e| LoadError::Io(root.to_path_buf(), e))?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "infra") && fs.is_file(p))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Loads and parses every `.infra` file directly in the project that `path` names.
pub fn load_project(fs: &dyn FileSystem, path: &Path) -> Result<Project, LoadError> {
    load_project_with(fs, path, Parse::Fresh)
}

/// [`load_project`] without parsing: the project holds the texts and the settings, and no
/// trees (nor syntax errors). For the commands, which check it with
/// [`crate::check_project_streaming`]: that parses each file when it needs its tree and lets
/// go of it after, so the trees of a big project are never all held at once.
pub fn load_project_unparsed(fs: &dyn FileSystem, path: &Path) -> Result<Project, LoadError> {
    load_project_with(fs, path, Parse::Not)
}

/// [`load_project`], parsing again only the files whose text changed since `cache` saw them.
pub fn load_project_cached(
    fs: &dyn FileSystem,
    path: &Path,
    cache: &mut ParseCache,
) -> Result<Project, LoadError> {
    load_project_with(fs, path, Parse::Cached(cache))
}

/// How a project's files are parsed when it is built.
enum Parse<'c> {
    /// Through a cache kept between builds (the language server).
    Cached(&'c mut ParseCache),
    /// Afresh, keeping nothing for a next build: a cache would hold a copy of every text (as
    /// much memory again as the sources) that a one-off load would only free again.
    Fresh,
    /// Not at all ([`load_project_unparsed`]).
    Not,
}

fn load_project_with(fs: &dyn FileSystem, path: &Path, parse: Parse) -> Result<Project, LoadError> {
    let root = project_root(fs, path)?;
    let paths = source_paths(fs, &root)?;
    if paths.is_empty() {
        return Err(LoadError::NoSources(root));
    }
    let mut texts = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = fs.read(&path).map_err(|e| LoadError::Io(path.clone(), e))?;
        texts.push((path, bytes));
    }
    let toml_path = root.join("infra.toml");
    let toml = if fs.is_file(&toml_path) {
        Some(
            fs.read(&toml_path)
                .map_err(|e| LoadError::Io(toml_path.clone(), e))?,
        )
    } else {
        None
    };
    Ok(build_project_with(
        root,
        texts,
        toml.map(|t| (toml_path, t)),
        parse,
    ))
}

/// Builds a project from file contents already read (the loader and the language server both
/// end here).
pub fn build_project(
    root: PathBuf,
    sources: Vec<(PathBuf, Vec<u8>)>,
    toml: Option<(PathBuf, Vec<u8>)>,
) -> Project {
    build_project_with(root, sources, toml, Parse::Fresh)
}

/// [`build_project`] without parsing, as [`load_project_unparsed`] loads.
pub fn build_project_unparsed(root: PathBuf, sources: Vec<(PathBuf, Vec<u8>)>) -> Project {
    build_project_with(root, sources, None, Parse::Not)
}

/// [`build_project`] with parses reused from `cache` where the text is unchanged.
pub fn build_project_cached(
    root: PathBuf,
    sources: Vec<(PathBuf, Vec<u8>)>,
    toml: Option<(PathBuf, Vec<u8>)>,
    cache: &mut ParseCache,
) -> Project {
    build_project_with(root, sources, toml, Parse::Cached(cache))
}

/// Builds the project, parsing its files as `parse` says.
fn build_project_with(
    root: PathBuf,
    sources: Vec<(PathBuf, Vec<u8>)>,
    toml: Option<(PathBuf, Vec<u8>)>,
    mut parse: Parse,
) -> Project {
    let mut files = Vec::with_capacity(sources.len() + 1);
    let mut diagnostics = Vec::new();
    if let Parse::Cached(cache) = &mut parse {
        let paths: Vec<PathBuf> = sources.iter().map(|(p, _)| p.clone()).collect();
        cache.retain(&paths);
    }
    for (path, bytes) in sources {
        let id = FileId(files.len() as u32);
        let text = decode(bytes, id, &mut diagnostics);
        let line_index = OnceLock::new();
        let parsed = match &mut parse {
            Parse::Cached(cache) => {
                let (parsed, index) = cache.parse(&path, id, &text);
                let _ = line_index.set(index);
                Some(parsed)
            }
            Parse::Fresh => Some(Arc::new(parse_text(&text, id))),
            Parse::Not => None,
        };
        if let Some(parsed) = &parsed {
            diagnostics.extend(parsed.diagnostics.iter().cloned());
        }
        files.push(SourceFile {
            id,
            path,
            line_index,
            text,
            parsed,
            is_infra: true,
        });
    }
    let default_name = root
        .canonicalize()
        .unwrap_or_else(|_| root.clone())
        .file_name()
        .map_or_else(
            || "project".to_string(),
            |n| n.to_string_lossy().to_string(),
        );
    let mut settings = Settings {
        name: sanitize_name(&default_name),
        ..Settings::default()
    };
    if let Some((path, bytes)) = toml {
        let id = FileId(files.len() as u32);
        let text = decode(bytes, id, &mut diagnostics);
        read_settings(&text, id, &mut settings, &mut diagnostics);
        files.push(SourceFile {
            id,
            path,
            line_index: OnceLock::new(),
            text,
            parsed: None,
            is_infra: false,
        });
    }
    Project {
        root,
        settings,
        files,
        diagnostics,
    }
}

/// Text of a file; invalid UTF-8 is an E0002 at the first bad byte and is replaced.
fn decode(bytes: Vec<u8>, id: FileId, diagnostics: &mut Vec<Diagnostic>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            // The replacement character is 3 bytes where the bad byte was 1; point at it.
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            diagnostics.push(Diagnostic::new(
                Code::E0002,
                id,
                Span::new(at, end),
                "this file is not valid UTF-8 (the bad bytes are shown as \u{FFFD})",
            ));
            text
        }
    }
}

/// A project name as AWS names need it: lower-case letters, digits and `-`.
pub fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => c,
            _ => '-',
        })
        .collect();
    out = out.trim_matches('-').to_string();
    if out.is_empty() {
        out = "project".to_string();
    }
    out
}

fn read_settings(
    text: &str,
    file: FileId,
    settings: &mut Settings,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let raw: RawSettings = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            let span = err.span().map_or(Span::new(0, 0), Span::from);
            diagnostics.push(Diagnostic::new(
                Code::E0003,
                file,
                span,
                format!("infra.toml: {}", err.message()),
            ));
            return;
        }
    };
    if let Some(name) = raw.name {
        let valid = !name.get_ref().is_empty()
            && name
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            settings.name.clone_from(name.get_ref());
        } else {
            diagnostics.push(
                Diagnostic::new(
                    Code::E0003,
                    file,
                    Span::from(name.span()),
                    format!(
                        "project name `{}` may hold only lower-case letters, digits and `-`",
                        name.get_ref()
                    ),
                )
                .with_help(format!(
                    "try `name = \"{}\"`",
                    sanitize_name(name.get_ref())
                )),
            );
        }
    }
    settings.region = raw.region;
    if let Some(backend) = raw.state.and_then(|s| s.backend) {
        match parse_backend(backend.get_ref()) {
            Some(b) => settings.state_backend = b,
            None => diagnostics.push(
                Diagnostic::new(
                    Code::E0003,
                    file,
                    Span::from(backend.span()),
                    format!("unknown state backend `{}`", backend.get_ref()),
                )
                .with_help("use \"local\" or \"s3://BUCKET/PREFIX\""),
            ),
        }
    }
    if let Some(network) = raw.network {
        settings.subnets = network.subnets;
        settings.security_groups = network.security_groups;
    }
}

fn parse_backend(text: &str) -> Option<StateBackend> {
    if text == "local" {
        return Some(StateBackend::Local);
    }
    let rest = text.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return None;
    }
    Some(StateBackend::S3 {
        bucket: bucket.to_string(),
        prefix: prefix.trim_matches('/').to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> (Settings, Vec<Diagnostic>) {
        let mut s = Settings::default();
        let mut d = Vec::new();
        read_settings(text, FileId(0), &mut s, &mut d);
        (s, d)
    }

    #[test]
    fn reads_backends_and_network() {
        let (s, d) = settings(
            "name = \"thumbs\"\n[state]\nbackend = \"s3://team-state/infra/\"\n[network]\nsubnets = [\"subnet-1\"]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.name, "thumbs");
        assert_eq!(
            s.state_backend,
            StateBackend::S3 {
                bucket: "team-state".into(),
                prefix: "infra".into()
            }
        );
        assert_eq!(s.subnets, vec!["subnet-1"]);
    }

    #[test]
    fn bad_settings_are_diagnostics_with_spans() {
        let (_, d) = settings("name = \"Bad Name\"\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::E0003);
        assert_eq!(d[0].span, Span::new(7, 17));
        let (_, d) = settings("nmae = \"x\"\n");
        assert_eq!(d[0].code, Code::E0003);
        assert!(d[0].message.contains("unknown field"), "{}", d[0].message);
        let (_, d) = settings("name = \n");
        assert_eq!(d[0].code, Code::E0003);
    }

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize_name("My_Project"), "my-project");
        assert_eq!(sanitize_name("__"), "project");
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use infrac_syntax::ast::Item;

    #[test]
    fn unchanged_files_are_not_parsed_again() {
        let mut cache = ParseCache::default();
        let sources = |b: &str| {
            vec![
                (PathBuf::from("a.infra"), b"bucket a {}\n".to_vec()),
                (PathBuf::from("b.infra"), b.as_bytes().to_vec()),
            ]
        };
        let first = build_project_cached(
            PathBuf::from("."),
            sources("bucket b {}\n"),
            None,
            &mut cache,
        );
        let second = build_project_cached(
            PathBuf::from("."),
            sources("bucket c {\n"),
            None,
            &mut cache,
        );
        let same = |i: usize| {
            Arc::ptr_eq(
                first.files[i].parsed.as_ref().expect("parsed"),
                second.files[i].parsed.as_ref().expect("parsed"),
            )
        };
        assert!(same(0), "a.infra is reused");
        assert!(!same(1), "b.infra changed and is parsed again");
        assert_eq!(second.diagnostics.len(), 1);
        assert_eq!(second.diagnostics[0].file, FileId(1));
    }

    /// An edit in one declaration parses that one again and shares the others, moved when the
    /// edit changed the length; the result is what a full parse gives.
    #[test]
    fn an_edit_reads_again_only_the_declaration_it_touched() {
        let mut cache = ParseCache::default();
        let text = "bucket a {}\n\nfunction f {\n  memory = 512MB\n}\n\nbucket z {}\n";
        let edited = text.replace("512MB", "1GB");
        let build = |cache: &mut ParseCache, text: &str| {
            let project = build_project_cached(
                PathBuf::from("."),
                vec![(PathBuf::from("main.infra"), text.as_bytes().to_vec())],
                None,
                cache,
            );
            project.files[0].parsed.clone().expect("parsed")
        };
        let before = build(&mut cache, text);
        let after = build(&mut cache, &edited);
        let full = parse_text(&edited, FileId(0));
        assert_eq!(after.file, full.file);
        assert_eq!(after.diagnostics, full.diagnostics);
        let (old, new) = (&before.file.items, &after.file.items);
        let shared = |i: usize| match (&old[i], &new[i]) {
            (Item::Resource(a), Item::Resource(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(shared(0), "the bucket before the edit is kept as it was");
        assert!(!shared(1), "the function is parsed again");
        assert!(!shared(2), "the bucket after it moved by two bytes");
        assert_eq!(new[2].span().start() + 2, old[2].span().start());

        // Once nothing else holds the parse, the next edit changes it in place.
        let at = Arc::as_ptr(&after);
        drop((before, after));
        let again = text.replace("512MB", "2GB");
        let third = build(&mut cache, &again);
        assert_eq!(Arc::as_ptr(&third), at, "the parse is changed in place");
        let full = parse_text(&again, FileId(0));
        assert_eq!(third.file, full.file);
        assert_eq!(third.diagnostics, full.diagnostics);
    }
}
