//! Writes a generated project, for measuring the CLI and the language server on large programs:
//!
//! ```text
//! cargo run -p infrac-check --example synthetic -- DIR LINES FILES   # the benchmarks' mix
//! cargo run -p infrac-check --example synthetic -- DIR app N         # N buckets + N functions
//! ```
//!
//! The mix is `infrac_check::synthetic` (buckets, functions, tasks, schedules, triggers); the
//! app is one bucket and one function reading it per unit, each bucket triggering its function,
//! as an app of many small services is written.

use std::fmt::Write as _;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("synthetic", String::as_str));
    std::fs::create_dir_all(dir.join("app")).expect("create the project folder");
    std::fs::write(dir.join("app/Dockerfile"), "FROM alpine\n").expect("write");
    std::fs::write(
        dir.join("app/index.js"),
        "exports.handler = async () => {};\n",
    )
    .expect("write");
    if args.get(2).map(String::as_str) == Some("app") {
        let units = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1_000);
        std::fs::write(dir.join("main.infra"), buckets_and_functions(units)).expect("write");
        return;
    }
    let lines = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(90_000);
    let files = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    for (name, text) in infrac_check::synthetic::project_of_lines(lines, files) {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

/// `units` buckets and `units` functions, about 5 lines per declaration.
fn buckets_and_functions(units: usize) -> String {
    let mut out = String::new();
    for i in 0..units {
        let _ = write!(
            out,
            r#"bucket uploads_{i} {{
  versioning = true
}}

function handle_{i} {{
  runtime = "nodejs22.x"
  handler = "index.handler"
  code = "./app"
  reads uploads_{i}
}}

uploads_{i}.on_put("in/*.json") -> function handle_{i}

"#
        );
    }
    out
}
