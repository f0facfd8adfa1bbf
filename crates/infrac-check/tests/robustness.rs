//! Never a panic: arbitrary and mutated input through the parser, the checker and the
//! formatter; every diagnostic's span inside its file and on character boundaries; the
//! formatter idempotent and meaning-preserving on every `.infra` file in the repository.

use infrac_check::project::build_project;
use infrac_check::render::{render_json, render_terminal};
use infrac_check::{check_project, DiskFileSystem};
use infrac_fmt::format_source;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn check_text(text: &[u8]) {
    let project = build_project(
        PathBuf::from("."),
        vec![(PathBuf::from("main.infra"), text.to_vec())],
        None,
    );
    let checked = check_project(&project, &DiskFileSystem);
    for d in &checked.diagnostics {
        let file = project.file(d.file);
        assert!(
            d.span.start() <= d.span.end() && d.span.end() <= file.text.len(),
            "{d:?}"
        );
        assert!(
            file.text.is_char_boundary(d.span.start()) && file.text.is_char_boundary(d.span.end()),
            "{d:?}"
        );
        for fix in &d.fixes {
            for edit in &fix.edits {
                assert!(
                    edit.span.end() <= project.file(edit.file).text.len(),
                    "{fix:?}"
                );
            }
        }
    }
    // The renderers must cope with whatever the checker produced.
    let _ = render_terminal(&checked.diagnostics, &project, true);
    let _ = render_json(&checked.diagnostics, &project);
    if let Ok(text) = std::str::from_utf8(text) {
        if let Ok(once) = format_source(text) {
            let twice = format_source(&once).expect("formatted output formats again");
            assert_eq!(once, twice, "formatting is idempotent");
        }
    }
}

fn repo_infra_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == "node_modules" || name == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "infra") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        &mut out,
    );
    out.sort();
    out
}

/// Pieces programs are made of, so that generated input reaches deep into the parser.
const PIECES: &[&str] = &[
    "bucket",
    "function",
    "task",
    "schedule",
    "let",
    "output",
    "reads",
    "writes",
    "event",
    "media",
    "ffmpeg",
    "on_put",
    "on_tick",
    "memory",
    "cpu",
    "env",
    "code",
    "build",
    "image",
    "cron",
    "every",
    "=",
    ".",
    "->",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    "\"",
    "\"${",
    "\"*.jpg\"",
    "\".mp4\"",
    "512MB",
    "30s",
    "1024",
    "true",
    "//",
    "/*",
    "*/",
    "///",
    "\n",
    " ",
    "\\",
    "😀",
    "é",
    "-",
    "@",
];

fn program() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(PIECES), 0..80)
        .prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_text(&bytes);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,300}") {
        check_text(text.as_bytes());
    }

    #[test]
    fn programs_of_language_pieces_never_panic(text in program()) {
        check_text(text.as_bytes());
    }

    #[test]
    fn mutated_examples_never_panic(
        file in 0usize..64,
        cut_at in any::<proptest::sample::Index>(),
        cut_len in 0usize..40,
        insert in proptest::sample::select(PIECES),
    ) {
        let files = repo_infra_files();
        let text = std::fs::read_to_string(&files[file % files.len()]).unwrap_or_default();
        let mut chars: Vec<char> = text.chars().collect();
        if !chars.is_empty() {
            let at = cut_at.index(chars.len());
            let end = (at + cut_len).min(chars.len());
            chars.splice(at..end, insert.chars());
        }
        let mutated: String = chars.into_iter().collect();
        check_text(mutated.as_bytes());
    }
}

#[test]
fn formatter_is_idempotent_and_keeps_comments_on_every_repo_file() {
    let files = repo_infra_files();
    assert!(files.len() > 20, "found the repository's .infra files");
    let mut formatted = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        match format_source(&text) {
            Ok(once) => {
                formatted += 1;
                let twice =
                    format_source(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    once,
                    twice,
                    "{} is not formatted idempotently",
                    path.display()
                );
                let comments = |t: &str| t.matches("//").count() + t.matches("/*").count();
                assert_eq!(
                    comments(&text),
                    comments(&once),
                    "{} lost a comment",
                    path.display()
                );
            }
            Err(infrac_fmt::FormatError::Syntax(_)) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert!(formatted > 20);
}

#[test]
fn a_120_thousand_line_project_checks_without_trouble() {
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(&format!(
            "bucket b{i} {{\n  versioning = true\n}}\n\ntask t{i} {{\n  image = \"x\"\n  cpu = 512\n  memory = 1GB\n  reads b{i}\n  writes b{i}(\"out/*\")\n}}\n\nb{i}.on_put(\"in/\") -> task t{i} {{\n  env = {{\n    KEY = event.key\n  }}\n}}\n\n"
        ));
    }
    assert!(text.lines().count() >= 100_000);
    check_text(text.as_bytes());
}
