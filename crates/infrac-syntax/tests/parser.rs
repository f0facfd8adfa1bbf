//! Parser tests as data: every `.infra` under `tests/parser/` sits next to a `.tree` file with
//! the tree it parses to (span-free) and its diagnostics. Files under `valid/` must have no
//! diagnostics; files under `invalid/` must have some. `UPDATE_EXPECT=1 cargo test -p
//! infrac-syntax --test parser` rewrites the `.tree` files; review the diff.

use infrac_syntax::sexpr::to_sexpr;
use infrac_syntax::{parse, FileId, LineIndex};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/parser")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("parser fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "infra"))
        .collect();
    out.sort();
    out
}

fn render(text: &str) -> (String, usize) {
    let parsed = parse(text, FileId(0));
    let index = LineIndex::new(text);
    let mut out = to_sexpr(&parsed.file);
    if !parsed.diagnostics.is_empty() {
        out.push_str("-- diagnostics\n");
    }
    for d in &parsed.diagnostics {
        let start = index.line_col(text, d.span.start());
        let end = index.line_col(text, d.span.end());
        let _ = writeln!(
            out,
            "{} {}:{}-{}:{} {}",
            d.code, start.line, start.column, end.line, end.column, d.message
        );
    }
    (out, parsed.diagnostics.len())
}

fn run(dir: &str, expect_errors: bool) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let cases = cases(dir);
    assert!(!cases.is_empty(), "no fixtures in {dir}");
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("fixture");
        let (actual, errors) = render(&text);
        if expect_errors != (errors > 0) {
            failures.push(format!(
                "{}: expected {} diagnostics, got {errors}",
                case.display(),
                if expect_errors { "some" } else { "no" }
            ));
        }
        let tree = case.with_extension("tree");
        let expected = std::fs::read_to_string(&tree).unwrap_or_default();
        if actual != expected {
            if update {
                std::fs::write(&tree, &actual).expect("write tree");
            } else {
                failures.push(format!(
                    "{} differs:\n--- expected\n{expected}--- actual\n{actual}",
                    tree.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_programs_parse_to_their_trees() {
    run("valid", false);
}

#[test]
fn invalid_programs_recover_with_their_diagnostics() {
    run("invalid", true);
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("{ A = ", "}"), ("\"${", "}\"")] {
        let depth = 100_000;
        let text = format!(
            "let x = {}1{}\nbucket after {{}}\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let parsed = parse(&text, FileId(0));
        assert!(
            parsed
                .diagnostics
                .iter()
                .any(|d| d.message.contains("nesting too deep")),
            "{open}: {:?}",
            parsed.diagnostics.first()
        );
        assert!(
            to_sexpr(&parsed.file).contains("(resource bucket after"),
            "the item after the deep one still parses ({open})"
        );
    }
}

#[test]
fn unbalanced_deep_nesting_is_also_bounded() {
    let text = "let x = ".to_string() + &"[".repeat(200_000);
    let parsed = parse(&text, FileId(0));
    assert!(!parsed.diagnostics.is_empty());
}
