//! One fixture per diagnostic code (and more): each `.infra` file under `tests/fixtures/`, or
//! each project folder there, is checked through the same function `infrac check` uses, and
//! must equal itself annotated with the diagnostics it produces. `UPDATE_EXPECT=1 cargo test`
//! rewrites the annotations; review the diff before committing it.

use infrac_check::annotate::{annotate, strip_annotations};
use infrac_check::project::build_project;
use infrac_check::{check_project_at, check_project_streaming, Date, DiskFileSystem, Need};
use infrac_syntax::Code;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The day fixtures are checked on: Lambda's runtime deprecations depend on the date, and the
/// fixtures must not change with the calendar.
const FIXTURE_DAY: Date = Date::ymd(2026, 11, 29);

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixtures: single files, and folders that are projects of several files.
fn fixtures() -> Vec<(PathBuf, Vec<PathBuf>)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().is_some_and(|e| e == "infra") {
            out.push((path.clone(), vec![path]));
        } else if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .expect("fixture project")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "infra"))
                .collect();
            files.sort();
            if !files.is_empty() {
                out.push((path, files));
            }
        }
    }
    out
}

/// Checks one fixture; returns the codes it produced and whether it matched.
fn run_fixture(name: &Path, files: &[PathBuf], update: bool) -> (BTreeSet<Code>, Vec<String>) {
    let root = if name.is_dir() {
        name.to_path_buf()
    } else {
        fixtures_dir()
    };
    let sources: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("fixture text");
            (f.clone(), strip_annotations(&text).into_bytes())
        })
        .collect();
    let project = build_project(root, sources.clone(), None);
    let checked = check_project_at(&project, &DiskFileSystem, FIXTURE_DAY);
    // What the commands run: the same result from trees parsed one file at a time (and twice),
    // and the same diagnostics when only they are wanted.
    let unparsed = infrac_check::project::build_project_unparsed(project.root.clone(), sources);
    assert_eq!(unparsed.sources().count(), 0, "{}", name.display());
    for need in [Need::Model, Need::Diagnostics] {
        let streamed = check_project_streaming(&unparsed, &DiskFileSystem, FIXTURE_DAY, need);
        assert_eq!(
            streamed.diagnostics,
            checked.diagnostics,
            "{} {need:?}",
            name.display()
        );
        if need == Need::Model {
            assert_eq!(streamed.model, checked.model, "{}", name.display());
        }
    }
    let mut failures = Vec::new();
    for (file, path) in project.files.iter().zip(files) {
        let expected = std::fs::read_to_string(path).expect("fixture text");
        let actual = annotate(&project, file.id, &checked.diagnostics);
        if actual != expected {
            if update {
                std::fs::write(path, &actual).expect("write fixture");
            } else {
                failures.push(format!(
                    "{} differs; run `UPDATE_EXPECT=1 cargo test -p infrac-check --test diagnostics` and review the diff.\n--- expected\n{expected}\n--- actual\n{actual}",
                    path.display()
                ));
            }
        }
    }
    (
        checked.diagnostics.iter().map(|d| d.code).collect(),
        failures,
    )
}

#[test]
fn fixtures_match_their_annotations() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, files) in fixtures() {
        let (codes, mut f) = run_fixture(&name, &files, update);
        seen.extend(codes);
        failures.append(&mut f);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every code of the language has at least one fixture that produces it.
    // E0003 is about `infra.toml`, which has no `.infra` annotations; `project.rs` tests it.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c) && **c != Code::E0003)
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no fixture produces {missing:?}");
}

#[test]
fn every_fixture_file_is_named_after_what_it_tests() {
    for (name, _) in fixtures() {
        let stem = name.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let code = stem.split(['-', '_']).next().unwrap_or("");
        assert!(
            Code::parse(code).is_some() || code == "ok",
            "{}: fixture names start with the code they test (E0203-missing-unit.infra) or `ok`",
            name.display()
        );
    }
}
