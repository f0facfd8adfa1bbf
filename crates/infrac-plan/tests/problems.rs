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
function a { runtime = "nodejs20.x" handler = "i.h" code = "./a" env = { PEER = z.arn } }
function z { runtime = "nodejs20.x" handler = "i.h" code = "./z" env = { PEER = a.arn } }
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
    struct Vanishing;
    impl infrac_check::FileSystem for Vanishing {
        fn read(&self, _: &std::path::Path) -> std::io::Result<Vec<u8>> {
            Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
        }
        fn list_dir(&self, dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
            Ok(vec![dir.join("index.js")])
        }
        fn is_file(&self, path: &std::path::Path) -> bool {
            path.extension().is_some()
        }
        fn is_dir(&self, path: &std::path::Path) -> bool {
            path.extension().is_none()
        }
    }
    let text = "function f { runtime = \"nodejs20.x\" handler = \"i.h\" code = \"./src\" }\n";
    let project = support::project_from_texts(&[("main.infra", text)], None);
    let checked = check_project(&project, &Vanishing);
    let lowered = lower_program(&project, &checked.model, &Vanishing, "dev");
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
