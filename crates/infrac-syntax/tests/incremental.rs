//! `reparse` after an edit gives exactly what `parse` of the new text gives, or `None`.

use infrac_syntax::{parse, reparse, reparse_in_place, FileId, Parsed};
use proptest::prelude::*;
use std::path::Path;

/// Every program the parser tests and the examples hold.
fn programs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs = vec![
        root.join("tests/parser/valid"),
        root.join("tests/parser/invalid"),
        root.join("../../examples"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "infra") {
                out.push(std::fs::read_to_string(&path).expect("reads"));
            }
        }
    }
    out.sort();
    assert!(out.len() > 20, "found {} programs", out.len());
    out
}

fn same(a: &Parsed, b: &Parsed) -> bool {
    a.file == b.file && a.diagnostics == b.diagnostics
}

/// Replaces `len` bytes at `at` (moved to char boundaries) by `insert`.
fn edit(text: &str, at: usize, len: usize, insert: &str) -> String {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + len).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("{}{insert}{}", &text[..at], &text[end..])
}

const PIECES: &[&str] = &[
    "",
    "x",
    " ",
    "\n",
    "}",
    "{",
    "\"",
    "bucket b {}\n",
    "\nbucket c {\n  versioning = true\n}\n",
    "1GB",
    "= ",
    ".",
    "/// doc\n",
    "// c\n",
    "/*",
    "*/",
    "->",
    "task",
    "reads a\n",
    ";",
    "${",
    "λ",
    "media.on_put() -> function f\n",
    "let z = 3\n",
    "\n\n",
    "  ",
    // Most keystrokes leave the program whole: a letter in a name, a digit in a number.
    "a",
    "7",
    "_",
    "b",
    "0",
];

/// Checks one edit, and returns the new text and its parse (the incremental one if any).
fn check(text: &str, old: &Parsed, new_text: &str) -> Parsed {
    let full = parse(new_text, FileId(0));
    // In place: the same answer, or `false` and the old parse untouched.
    let mut in_place = Parsed {
        file: old.file.clone(),
        diagnostics: old.diagnostics.clone(),
    };
    if reparse_in_place(&mut in_place, text, new_text, FileId(0)) {
        assert!(
            same(&in_place, &full),
            "reparse_in_place differs from parse\n--- before\n{text}\n--- after\n{new_text}"
        );
    } else {
        assert!(
            same(&in_place, old),
            "a refused reparse_in_place changed the parse"
        );
    }
    if let Some(incremental) = reparse(old, text, new_text, FileId(0)) {
        assert!(
            same(&incremental, &full),
            "reparse differs from parse\n--- before\n{text}\n--- after\n{new_text}\n--- reparse\n{:#?}\n--- parse\n{:#?}",
            incremental.file,
            full.file
        );
        incremental
    } else {
        full
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn reparse_equals_parse_after_random_edits(
        program in 0usize..1000,
        edits in proptest::collection::vec((0usize..4000, 0usize..12, 0..PIECES.len()), 1..4),
    ) {
        let programs = programs();
        let mut text = programs[program % programs.len()].clone();
        let mut parsed = parse(&text, FileId(0));
        for (at, len, piece) in edits {
            let at = if text.is_empty() { 0 } else { at % (text.len() + 1) };
            let new_text = edit(&text, at, len, PIECES[piece]);
            parsed = check(&text, &parsed, &new_text);
            text = new_text;
        }
    }
}

/// The edits people make all day are read incrementally, and give what a full parse gives.
#[test]
fn everyday_edits_are_read_incrementally() {
    let text = "/// Uploads.\nbucket media {\n  versioning = true\n}\n\n\
                function thumb {\n  runtime = \"nodejs24.x\"\n  memory = 512MB\n  reads media\n}\n\n\
                media.on_put(\"*.jpg\") -> function thumb\n\nlet region = \"eu-west-1\"\n";
    let old = parse(text, FileId(0));
    assert!(old.diagnostics.is_empty());
    let edits = [
        ("a value, same length", text.replace("512MB", "1GB  ")),
        ("a value, longer", text.replace("512MB", "1024MB")),
        ("a name", text.replace("thumb {", "thumbnail {")),
        (
            "a doc comment",
            text.replace("/// Uploads.", "/// All uploads."),
        ),
        (
            "a new declaration between two",
            text.replace("\n\nfunction", "\n\nbucket extra {}\n\nfunction"),
        ),
        (
            "a declaration removed",
            text.replace("let region = \"eu-west-1\"\n", ""),
        ),
        (
            "a member added",
            text.replace("  reads media\n", "  reads media\n  timeout = 30s\n"),
        ),
        ("at the very start", format!("// header\n{text}")),
        ("at the very end", format!("{text}output o = media.name\n")),
    ];
    for (what, new_text) in edits {
        let incremental = reparse(&old, text, &new_text, FileId(0))
            .unwrap_or_else(|| panic!("{what}: not read incrementally"));
        assert!(
            same(&incremental, &parse(&new_text, FileId(0))),
            "{what}: differs from a full parse"
        );
    }
}

/// A file with a mistake, or an edit that makes one, is parsed whole (recovery may read
/// across declarations).
#[test]
fn mistakes_are_parsed_whole() {
    let text = "bucket a {\n  versioning = true\n}\n\nbucket b {}\n";
    let old = parse(text, FileId(0));
    let broken = text.replace("versioning = true", "versioning =");
    assert!(reparse(&old, text, &broken, FileId(0)).is_none());
    let old_broken = parse(&broken, FileId(0));
    assert!(!old_broken.diagnostics.is_empty());
    assert!(reparse(&old_broken, &broken, text, FileId(0)).is_none());
}
