//! `docs/reference.md` is current: its generated parts (kinds, runtimes, the Fargate table,
//! the codes and their explanations) equal what the schema and the code registry say now.
//! `UPDATE_EXPECT=1 cargo test -p infrac-check --test reference` rewrites them; review the diff.

use std::path::Path;

#[test]
fn the_reference_is_not_stale() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reference.md");
    let committed = std::fs::read_to_string(&path).expect("docs/reference.md");
    let current = infrac_check::reference::regenerate(&committed).unwrap_or_else(|e| panic!("{e}"));
    if committed != current {
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, current).expect("write docs/reference.md");
        } else {
            panic!(
                "docs/reference.md is stale; run `UPDATE_EXPECT=1 cargo test -p infrac-check --test reference` and review the diff"
            );
        }
    }
}

#[test]
fn a_missing_mark_is_named() {
    let err = infrac_check::reference::regenerate("no marks here").expect_err("no marks");
    assert!(err.contains("<!-- generated: kinds -->"), "{err}");
}

#[test]
fn the_reference_points_at_nothing_outside_the_repository() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reference.md");
    let text = std::fs::read_to_string(path).expect("docs/reference.md");
    assert!(
        !text.contains("shared/design"),
        "the reference stands on its own"
    );
    assert!(
        !text.contains("../"),
        "no relative link leaves docs/ upward"
    );
}

/// The repository stands on its own: no document points at design files kept outside it.
#[test]
fn no_document_points_outside_the_repository() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !matches!(name.to_str(), Some("target" | "node_modules" | ".git")) {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 5, "found the documents");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for outside in ["shared/design", "shared design", "design folder"] {
            assert!(
                !text.contains(outside),
                "{} mentions {outside:?}",
                file.display()
            );
        }
    }
}
