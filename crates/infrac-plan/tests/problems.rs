//! What lowering reports instead of a graph it cannot make.

mod support;

use infrac_check::check_project;
use infrac_plan::lower_program;

#[test]
fn functions_that_need_each_others_arn_are_a_circle() {
    let project = support::project_from_texts(
        &[(
            "main.infra",
            r#"bucket b;
function a { runtime = "nodejs24.x" handler = "i.h" code = "./a" env = { PEER = z.arn } }
function z { runtime = "nodejs24.x" handler = "i.h" code = "./z" env = { PEER = a.arn } }
b.on_put(".x") -> function a
b.on_put(".y") -> function z
"#,
        )],
        None,
    );
    let checked = check_project(&project, &support::FakeFolders);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let lowered = lower_program(&project, &checked.model, &support::FakeFolders, "dev");
    assert_eq!(lowered.problems.len(), 1, "{:?}", lowered.problems);
    let message = &lowered.problems[0].message;
    assert!(
        message.contains("a, ") && message.contains('z'),
        "{message}"
    );
    assert!(message.contains("arn"), "{message}");
}

#[test]
fn a_code_folder_that_vanished_is_reported_at_its_attribute() {
    // The folder is there, but its one file cannot be read.
    let vanishing = infrac_check::MemoryFileSystem::new().with_unreadable_file(
        "/project/src/index.js",
        std::io::ErrorKind::PermissionDenied,
    );
    let text = "function f { runtime = \"nodejs24.x\" handler = \"i.h\" code = \"./src\" }\n";
    let project = support::project_from_texts(&[("main.infra", text)], None);
    let checked = check_project(&project, &vanishing);
    let lowered = lower_program(&project, &checked.model, &vanishing, "dev");
    assert_eq!(lowered.problems.len(), 1, "{:?}", lowered.problems);
    let problem = &lowered.problems[0];
    assert_eq!(&text[problem.span.range()], "code = \"./src\"");
    assert!(
        problem.message.starts_with("cannot read `./src`"),
        "{}",
        problem.message
    );
    // The graph is still whole, so the language server can show it.
    assert!(lowered.graph.contains("f"));
}

#[test]
fn code_over_lambdas_zip_limit_is_refused_naming_its_biggest_files() {
    let mb = |n: usize| vec![7u8; n * 1024 * 1024];
    let fs = infrac_check::MemoryFileSystem::new()
        .with_file("/project/src/index.js", b"exports.handler = 1".to_vec())
        .with_file("/project/src/model.bin", mb(40))
        .with_file("/project/src/vendor/big.so", mb(9))
        .with_file("/project/src/vendor/small.so", mb(2))
        .with_file("/project/ok/index.js", b"exports.handler = 1".to_vec());
    let text = "function f { runtime = \"nodejs24.x\" handler = \"i.h\" code = \"./src\" }\n\
                function g { runtime = \"nodejs24.x\" handler = \"i.h\" code = \"./ok\" }\n";
    let project = support::project_from_texts(&[("main.infra", text)], None);
    let checked = check_project(&project, &fs);
    let lowered = lower_program(&project, &checked.model, &fs, "dev");
    assert_eq!(lowered.problems.len(), 1, "{:?}", lowered.problems);
    let problem = &lowered.problems[0];
    assert_eq!(&text[problem.span.range()], "code = \"./src\"");
    assert_eq!(
        problem.message,
        "`./src` makes a 51.0 MB zip, over Lambda's 50 MB limit for code uploaded directly; \
         the biggest files: model.bin (40.0 MB), vendor/big.so (9.0 MB), vendor/small.so (2.0 MB). \
         Leave out what the function does not need (list it in `.infraignore`), or run it as a `task`"
    );
}

/// The language server lowers programs with errors too: every fixture of the checker, each a
/// program with one kind of mistake, lowers without a panic, and a graph that refers only to
/// nodes it has.
#[test]
fn programs_with_errors_lower_without_panics() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infrac-check/tests/fixtures");
    let Ok(entries) = std::fs::read_dir(&fixtures) else {
        return;
    };
    let mut count = 0;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "infra") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let text = infrac_check::annotate::strip_annotations(&text);
        let project = support::project_from_texts(&[("main.infra", &text)], None);
        let checked = check_project(&project, &support::FakeFolders);
        let lowered = lower_program(&project, &checked.model, &support::FakeFolders, "dev");
        assert!(
            lowered.graph.dangling().is_empty(),
            "{}: {:?}",
            path.display(),
            lowered.graph.dangling()
        );
        let bugs: Vec<_> = lowered
            .problems
            .iter()
            .filter(|p| p.message.contains("bug"))
            .collect();
        assert!(bugs.is_empty(), "{}: {bugs:?}", path.display());
        count += 1;
    }
    assert!(count > 10, "fixtures found: {count}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..proptest::prelude::ProptestConfig::default() })]

    /// Half-typed programs (the thumbnailer with any slice cut out) lower without a panic.
    #[test]
    fn cut_programs_lower_without_panics(start in 0usize..800, len in 0usize..120) {
        let text = std::fs::read_to_string(support::examples_dir().join("thumbnailer/main.infra"))
            .expect("example");
        let start = start.min(text.len());
        let end = (start + len).min(text.len());
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Ok(());
        }
        let cut = format!("{}{}", &text[..start], &text[end..]);
        let project = support::project_from_texts(&[("main.infra", &cut)], None);
        let checked = check_project(&project, &support::FakeFolders);
        let lowered = lower_program(&project, &checked.model, &support::FakeFolders, "dev");
        proptest::prop_assert!(lowered.graph.dangling().is_empty(), "{:?}", lowered.graph.dangling());
    }
}
